// The scf dialect's custom forms, printed back as parsed and through the generic form.
// RUN: lamina-opt %s --allow-unregistered-dialect | lamina-opt --allow-unregistered-dialect | FileCheck %s
// RUN: lamina-opt %s --allow-unregistered-dialect --mlir-print-op-generic | lamina-opt --allow-unregistered-dialect | FileCheck %s

// CHECK-LABEL: func.func @loops
func.func @loops(%n: index, %x: f32, %m: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // CHECK: scf.for %[[I:.*]] = %{{.*}} to %arg0 step %{{.*}} {
  // CHECK-NEXT: memref.store %arg1, %arg2[%[[I]]] : memref<?xf32>
  // CHECK-NEXT: }
  scf.for %i = %c0 to %n step %c1 {
    memref.store %x, %m[%i] : memref<?xf32>
  }
  // CHECK: %[[S:.*]] = scf.for %{{.*}} = %{{.*}} to %arg0 step %{{.*}} iter_args(%[[A:.*]] = %arg1) -> (f32) {
  // CHECK-NEXT: %[[N:.*]] = arith.addf %[[A]], %arg1 : f32
  // CHECK-NEXT: scf.yield %[[N]] : f32
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (f32) {
    %next = arith.addf %acc, %x : f32
    scf.yield %next : f32
  }
  // CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%arg0, %arg0) step (%{{.*}}, %{{.*}}) {
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %n) step (%c1, %c1) {
    memref.store %x, %m[%i] : memref<?xf32>
  }
  // CHECK: scf.while (%[[W:.*]] = %{{.*}}) : (index) -> index {
  // CHECK: scf.condition(%{{.*}}) %{{.*}} : index
  // CHECK: } do {
  // CHECK-NEXT: ^bb0(%{{.*}}: index):
  // CHECK: scf.yield %{{.*}} : index
  %w = scf.while (%arg = %c0) : (index) -> index {
    %cond = arith.cmpi slt, %arg, %n : index
    scf.condition(%cond) %arg : index
  } do {
  ^bb0(%arg: index):
    %next = arith.addi %arg, %c1 : index
    scf.yield %next : index
  }
  return %s : f32
}

// CHECK-LABEL: func.func @branches
func.func @branches(%c: i1, %x: f32) -> f32 {
  // CHECK: scf.if %arg0 {
  // CHECK-NEXT: "test.effect"() : () -> ()
  // CHECK-NEXT: }
  scf.if %c {
    "test.effect"() : () -> ()
  }
  // CHECK: %[[R:.*]] = scf.if %arg0 -> (f32) {
  // CHECK-NEXT: scf.yield %arg1 : f32
  // CHECK-NEXT: } else {
  // CHECK-NEXT: %[[NEG:.*]] = arith.negf %arg1 : f32
  // CHECK-NEXT: scf.yield %[[NEG]] : f32
  // CHECK-NEXT: }
  %r = scf.if %c -> (f32) {
    scf.yield %x : f32
  } else {
    %neg = arith.negf %x : f32
    scf.yield %neg : f32
  }
  // CHECK: scf.execute_region -> f32 {
  %e = scf.execute_region -> f32 {
    scf.yield %r : f32
  }
  return %e : f32
}
