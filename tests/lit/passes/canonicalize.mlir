// RUN: lamina-opt %s --canonicalize | FileCheck %s
// RUN: lamina-opt %s --pass-pipeline='builtin.module(func.func(canonicalize))' | FileCheck %s

// CHECK-LABEL: func.func @fold_add
// CHECK-NEXT:    %[[C:.*]] = arith.constant 3 : i32
// CHECK-NEXT:    return %[[C]] : i32
func.func @fold_add() -> i32 {
  %c1 = arith.constant 1 : i32
  %c2 = arith.constant 2 : i32
  %0 = arith.addi %c1, %c2 : i32
  return %0 : i32
}

// x + 0, x * 1, x - x and x + 0 again, all the way back to x.
// CHECK-LABEL: func.func @identities
// CHECK-NEXT:    return %arg0 : i32
func.func @identities(%x: i32) -> i32 {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %0 = arith.addi %x, %c0 : i32
  %1 = arith.muli %0, %c1 : i32
  %2 = arith.subi %1, %1 : i32
  %3 = arith.addi %2, %x : i32
  return %3 : i32
}

// Constants move to the right of commutative ops.
// CHECK-LABEL: func.func @commute
// CHECK:         %[[C:.*]] = arith.constant 5 : i32
// CHECK-NEXT:    %[[R:.*]] = arith.addi %arg0, %[[C]] : i32
// CHECK-NEXT:    return %[[R]]
func.func @commute(%x: i32) -> i32 {
  %c5 = arith.constant 5 : i32
  %0 = arith.addi %c5, %x : i32
  return %0 : i32
}

// CHECK-LABEL: func.func @float_fold
// CHECK-NEXT:    %[[C:.*]] = arith.constant 3.750000e+00 : f32
// CHECK-NEXT:    return %[[C]]
func.func @float_fold() -> f32 {
  %a = arith.constant 1.5 : f32
  %b = arith.constant 2.25 : f32
  %0 = arith.addf %a, %b : f32
  return %0 : f32
}

// CHECK-LABEL: func.func @cmp_fold
// CHECK-NEXT:    %[[T:.*]] = arith.constant true
// CHECK-NEXT:    return %[[T]] : i1
func.func @cmp_fold() -> i1 {
  %c3 = arith.constant 3 : i32
  %c4 = arith.constant 4 : i32
  %0 = arith.cmpi ult, %c3, %c4 : i32
  return %0 : i1
}

// Division by zero is undefined behaviour at run time, never folded.
// CHECK-LABEL: func.func @div_by_zero_not_folded
// CHECK:         arith.divsi
func.func @div_by_zero_not_folded() -> i32 {
  %c1 = arith.constant 1 : i32
  %c0 = arith.constant 0 : i32
  %0 = arith.divsi %c1, %c0 : i32
  return %0 : i32
}

// CHECK-LABEL: func.func @ext_trunc
// CHECK-NEXT:    return %arg0 : i32
func.func @ext_trunc(%x: i32) -> i32 {
  %0 = arith.extsi %x : i32 to i64
  %1 = arith.trunci %0 : i64 to i32
  return %1 : i32
}

// CHECK-LABEL: func.func @select_same
// CHECK-NEXT:    return %arg1 : i32
func.func @select_same(%c: i1, %x: i32) -> i32 {
  %0 = arith.select %c, %x, %x : i32
  return %0 : i32
}

// An scf.if on a known condition is replaced by the branch taken.
// CHECK-LABEL: func.func @if_true
// CHECK-NEXT:    return %arg0 : i32
func.func @if_true(%x: i32, %y: i32) -> i32 {
  %true = arith.constant true
  %0 = scf.if %true -> (i32) {
    scf.yield %x : i32
  } else {
    scf.yield %y : i32
  }
  return %0 : i32
}

// A loop that runs zero times goes.
// CHECK-LABEL: func.func @empty_loop
// CHECK-NEXT:    return
func.func @empty_loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %c0 step %c1 {
    %u = arith.addi %i, %i : index
  }
  return
}

// So does a parallel loop nest with a dimension that runs zero times; it yields its inits.
// CHECK-LABEL: func.func @empty_parallel_loop
// CHECK-SAME:    (%[[N:.*]]: index, %[[X:.*]]: f32)
// CHECK-NEXT:    return %[[X]] : f32
func.func @empty_parallel_loop(%n: index, %x: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.parallel (%i, %j) = (%c0, %c4) to (%n, %c1) step (%c1, %c1) init (%x) -> f32 {
    %v = arith.constant 1.0 : f32
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}

// A parallel loop nest whose bounds are not all constant stays.
// CHECK-LABEL: func.func @parallel_loop_of_unknown_extent
// CHECK:         scf.parallel
func.func @parallel_loop_of_unknown_extent(%n: index, %m: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %v = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %v, %m[%i] : memref<?xf32>
  }
  return
}
