// RUN: lamina-opt %s --inline | FileCheck %s

// A direct call of a function with a body is replaced by the body.
// CHECK-LABEL: func.func @caller(%arg0: i32) -> i32 {
// CHECK-NOT:     call @double
// CHECK:         %[[D:.*]] = {{(func\.)?}}call @external(%arg0, %arg0)
// CHECK-NEXT:    return %[[D]] : i32
func.func @caller(%x: i32) -> i32 {
  %0 = func.call @double(%x) : (i32) -> i32
  return %0 : i32
}

func.func @double(%a: i32) -> i32 {
  %0 = func.call @external(%a, %a) : (i32, i32) -> i32
  return %0 : i32
}

// Declarations have no body to inline.
// CHECK-LABEL: func.func @calls_declaration
// CHECK:         call @external(%arg0, %arg0)
func.func @calls_declaration(%x: i32) -> i32 {
  %0 = func.call @external(%x, %x) : (i32, i32) -> i32
  return %0 : i32
}

// Recursion is not unrolled.
// CHECK-LABEL: func.func @recursive
// CHECK:         call @recursive(%arg0)
func.func @recursive(%x: i32) -> i32 {
  %0 = func.call @recursive(%x) : (i32) -> i32
  return %0 : i32
}

func.func private @external(i32, i32) -> i32
