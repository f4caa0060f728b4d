// The README's quick start: examples/fold.mlir canonicalizes as its comment says.
// RUN: lamina-opt %S/../../../examples/fold.mlir --canonicalize --cse | FileCheck %s

// CHECK-LABEL: func.func @scaled_sum
// CHECK-DAG:     %[[SIX:.*]] = arith.constant 6.000000e+00 : f32
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[SUM:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32) {
// CHECK-NEXT:      %[[S:.*]] = arith.mulf %arg0, %[[SIX]] : f32
// CHECK-NEXT:      %[[N:.*]] = arith.addf %[[ACC]], %[[S]] : f32
// CHECK-NEXT:      scf.yield %[[N]] : f32
// CHECK-NEXT:    }
// CHECK-NOT:     scf.if
// CHECK-NOT:     arith.negf
// CHECK:         return %[[SUM]] : f32

// CHECK-LABEL: func.func @index_math
// CHECK-NEXT:    %[[C32:.*]] = arith.constant 32 : index
// CHECK-NEXT:    %[[R:.*]] = arith.addi %arg0, %[[C32]] : index
// CHECK-NEXT:    return %[[R]] : index
