// RUN: lamina-opt %s | FileCheck %s
// Printing is a fixed point: what lamina prints parses back to the same text.
// RUN: lamina-opt %s | lamina-opt | FileCheck %s
// RUN: lamina-opt %s --mlir-print-op-generic | lamina-opt | FileCheck %s

// CHECK-LABEL: func.func private @decl(i32, f32) -> f32
func.func private @decl(i32, f32) -> f32

// CHECK-LABEL: func.func @identity(%arg0: i32) -> i32 {
// CHECK-NEXT:    return %arg0 : i32
// CHECK-NEXT:  }
func.func @identity(%x: i32) -> i32 {
  return %x : i32
}

// CHECK-LABEL: func.func @no_results() {
// CHECK-NEXT:    return
func.func @no_results() {
  func.return
}

// CHECK-LABEL: func.func @multi(%arg0: i32, %arg1: f32) -> (f32, i32) {
// CHECK-NEXT:    return %arg1, %arg0 : f32, i32
func.func @multi(%a: i32, %b: f32) -> (f32, i32) {
  return %b, %a : f32, i32
}

// CHECK-LABEL: func.func @attrs(%arg0: i32 {llvm.noalias}, %arg1: f32) -> (i32 {foo.res}) attributes {foo.fn} {
func.func @attrs(%arg0: i32 {llvm.noalias}, %arg1: f32) -> (i32 {foo.res}) attributes {foo.fn} {
  return %arg0 : i32
}

// CHECK-LABEL: func.func @calls(%arg0: i32, %arg1: f32) -> f32 {
// CHECK-NEXT:    %[[F:.*]] = {{(func\.)?}}constant @identity : (i32) -> i32
// CHECK-NEXT:    %[[C:.*]] = {{(func\.)?}}call @decl(%arg0, %arg1) : (i32, f32) -> f32
// CHECK-NEXT:    %{{.*}} = {{(func\.)?}}call_indirect %[[F]](%arg0) : (i32) -> i32
// CHECK-NEXT:    return %[[C]] : f32
func.func @calls(%arg0: i32, %arg1: f32) -> f32 {
  %f = "func.constant"() <{value = @identity}> : () -> ((i32) -> i32)
  %0 = func.call @decl(%arg0, %arg1) : (i32, f32) -> f32
  %1 = func.call_indirect %f(%arg0) : (i32) -> i32
  return %0 : f32
}
