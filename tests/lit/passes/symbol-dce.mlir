// RUN: lamina-opt %s --symbol-dce | FileCheck %s

// Public symbols stay; private ones stay only while something refers to them.
// CHECK-DAG: func.func @public
// CHECK-DAG: func.func private @used
// CHECK-DAG: func.func private @used_by_constant
// CHECK-NOT: @unused
// CHECK-NOT: @only_used_by_unused
func.func @public(%x: i32) -> i32 {
  %0 = func.call @used(%x) : (i32) -> i32
  %1 = func.constant @used_by_constant : (i32) -> i32
  return %0 : i32
}

func.func private @used(i32) -> i32
func.func private @used_by_constant(i32) -> i32

func.func private @unused(%x: i32) -> i32 {
  %0 = func.call @only_used_by_unused(%x) : (i32) -> i32
  return %0 : i32
}

func.func private @only_used_by_unused(i32) -> i32
