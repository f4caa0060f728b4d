// Passes nested under an op name run on each such op directly inside the module.
// RUN: lamina-opt %s --pass-pipeline='builtin.module(func.func(cse,dce))' | FileCheck %s
// The same, nesting written with spaces, and the module anchor written explicitly by -p.
// RUN: lamina-opt %s --pass-pipeline=' builtin.module( func.func( cse , dce ) ) ' | FileCheck %s
// RUN: lamina-opt %s -p 'func.func(cse,dce)' | FileCheck %s
// Separate flags run in order, as one pipeline.
// RUN: lamina-opt %s --cse --dce | FileCheck %s

// CHECK-LABEL: func.func @f
// CHECK-NEXT:    %[[F:.*]] = {{(func\.)?}}constant @g
// CHECK-NEXT:    %[[A:.*]] = {{(func\.)?}}call_indirect %[[F]](%arg0)
// CHECK-NEXT:    %[[B:.*]] = {{(func\.)?}}call_indirect %[[F]](%[[A]])
// CHECK-NEXT:    return %[[B]]
func.func @f(%x: i32) -> i32 {
  %0 = func.constant @g : (i32) -> i32
  %1 = func.constant @g : (i32) -> i32
  %unused = func.constant @g : (i32) -> i32
  %2 = func.call_indirect %0(%x) : (i32) -> i32
  %3 = func.call_indirect %1(%2) : (i32) -> i32
  return %3 : i32
}

func.func private @g(i32) -> i32
