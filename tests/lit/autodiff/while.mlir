// RUN: lamina-opt -p autodiff,canonicalize,cse %s | FileCheck %s
// RUN: lamina-opt -p autodiff,canonicalize,cse %s | lamina-opt -p autodiff,canonicalize,cse | FileCheck %s --check-prefix=SECOND

// The gradient of a loop of unknown trip count: a loop counting the iterations (of the
// forward loop canonicalize keeps only what the condition needs: the counter), a loop
// writing the value carried into each iteration into row i of a stack of shape [n] (the
// counter's stack is dropped: the backward body does not read it), then a backward loop from
// n down to 1 carrying the cotangent of the carried value and the sum of the cotangents of
// %a (used by the body from above); each iteration reads row k of the stack and applies the
// body's derivative, cleaned up to g * a and g * v. The forward loop itself is gone.
// CHECK-LABEL: func.func @f_grad(%arg0: tensor<i32>, %arg1: tensor<f32>, %arg2: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
// CHECK-DAG:     %[[Z:.*]] = lamina.constant dense<0> : tensor<i32>
// CHECK-DAG:     %[[ONE:.*]] = lamina.constant dense<1> : tensor<i32>
// CHECK-DAG:     %[[SEED:.*]] = lamina.constant dense<1.000000e+00> : tensor<f32>
// CHECK:         %[[N:.*]]:2 = lamina.while (%{{.*}} = %[[Z]], %{{.*}} = %[[Z]]) : (tensor<i32>, tensor<i32>) -> (tensor<i32>, tensor<i32>) {
// CHECK-NOT:       lamina.multiply
// CHECK:           lamina.yield %{{.*}}, %{{.*}} : tensor<i32>, tensor<i32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[ND:.*]] = lamina.reshape %[[N]]#1 : tensor<i32> -> tensor<1xi32>
// CHECK-NEXT:    %[[ZF:.*]] = lamina.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[S0:.*]] = lamina.broadcast_to %[[ZF]], %[[ND]] : (tensor<f32>, tensor<1xi32>) -> tensor<?xf32>
// CHECK-NEXT:    %[[W:.*]]:3 = lamina.while (%[[J:.*]] = %[[Z]], %[[V:.*]] = %arg1, %[[S:.*]] = %[[S0]]) : (tensor<i32>, tensor<f32>, tensor<?xf32>) -> (tensor<i32>, tensor<f32>, tensor<?xf32>) {
// CHECK-NEXT:      %[[LT:.*]] = lamina.less %[[J]], %[[N]]#1 : (tensor<i32>, tensor<i32>) -> tensor<i1>
// CHECK-NEXT:      lamina.yield %[[LT]] : tensor<i1>
// CHECK-NEXT:    } do {
// CHECK-NEXT:    ^bb0(%[[J:.*]]: tensor<i32>, %[[V:.*]]: tensor<f32>, %[[S:.*]]: tensor<?xf32>):
// CHECK-NEXT:      %[[J1:.*]] = lamina.add %[[J]], %[[ONE]] : (tensor<i32>, tensor<i32>) -> tensor<i32>
// CHECK-NEXT:      %[[V1:.*]] = lamina.multiply %[[V]], %arg2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:      %[[S1:.*]] = lamina.set_row %[[S]][%[[J]]], %[[V]] : (tensor<?xf32>, tensor<i32>, tensor<f32>) -> tensor<?xf32>
// CHECK-NEXT:      lamina.yield %[[J1]], %[[V1]], %[[S1]] : tensor<i32>, tensor<f32>, tensor<?xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[B:.*]]:3 = lamina.while (%[[K:.*]] = %[[N]]#1, %[[G:.*]] = %[[SEED]], %[[ACC:.*]] = %[[ZF]]) : (tensor<i32>, tensor<f32>, tensor<f32>) -> (tensor<i32>, tensor<f32>, tensor<f32>) {
// CHECK-NEXT:      %[[GO:.*]] = lamina.greater %[[K]], %[[Z]] : (tensor<i32>, tensor<i32>) -> tensor<i1>
// CHECK-NEXT:      lamina.yield %[[GO]] : tensor<i1>
// CHECK-NEXT:    } do {
// CHECK-NEXT:    ^bb0(%[[K:.*]]: tensor<i32>, %[[G:.*]]: tensor<f32>, %[[ACC:.*]]: tensor<f32>):
// CHECK-NEXT:      %[[K1:.*]] = lamina.subtract %[[K]], %[[ONE]] : (tensor<i32>, tensor<i32>) -> tensor<i32>
// CHECK-NEXT:      %[[VK:.*]] = lamina.strided_slice %[[W]]#2 [%[[K1]]] : (tensor<?xf32>, tensor<i32>) -> tensor<f32>
// CHECK-NEXT:      %[[GV:.*]] = lamina.multiply %[[G]], %arg2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:      %[[GA:.*]] = lamina.multiply %[[G]], %[[VK]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:      %[[SUM:.*]] = lamina.add %[[ACC]], %[[GA]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:      lamina.yield %[[K1]], %[[GV]], %[[SUM]] : tensor<i32>, tensor<f32>, tensor<f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[B]]#1, %[[B]]#2 : tensor<f32>, tensor<f32>
// CHECK-NEXT:  }
func.func @f(%n: tensor<i32>, %x: tensor<f32>, %a: tensor<f32>) -> tensor<f32>
    attributes {lamina.grad} {
  %z = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %v = %x) : (tensor<i32>, tensor<f32>) -> (tensor<i32>, tensor<f32>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<f32>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %m = lamina.multiply %v, %a : (tensor<f32>, tensor<f32>) -> tensor<f32>
    lamina.yield %i2, %m : tensor<i32>, tensor<f32>
  }
  return %r#1 : tensor<f32>
}

// A carried value whose type is less static than its initial value's may change shape from
// one iteration to the next, which rows of a stack cannot hold: its value at iteration k is
// recomputed by an inner loop of k iterations from the initial value instead.
// CHECK-LABEL: func.func @h_grad(%arg0: tensor<i32>, %arg1: tensor<3xf32>) -> tensor<3xf32> {
// CHECK-NOT:     lamina.set_row
// CHECK:         lamina.while
// CHECK:         lamina.while (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) : (tensor<i32>, tensor<?xf32>) -> (tensor<i32>, tensor<?xf32>) {
// CHECK:           %[[K1:.*]] = lamina.subtract
// CHECK-NEXT:      %{{.*}}:2 = lamina.while (%[[J:.*]] = %{{.*}}, %{{.*}} = %arg1) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<?xf32>) {
// CHECK-NEXT:        %{{.*}} = lamina.less %[[J]], %[[K1]] : (tensor<i32>, tensor<i32>) -> tensor<i1>
// CHECK-NOT:     lamina.set_row
// CHECK:         func.return
func.func @h(%n: tensor<i32>, %x: tensor<3xf32>) -> tensor<f32> attributes {lamina.grad} {
  %z = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %v = %x) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<?xf32>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<?xf32>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %t = lamina.tanh %v : tensor<?xf32>
    lamina.yield %i2, %t : tensor<i32>, tensor<?xf32>
  }
  %s = lamina.reduce_sum %r#1 axes = [0] : tensor<?xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// Applied to its own output, the pass differentiates the stack-writing and backward loops in
// turn (set_row, strided_slice and the body's ops all have derivatives): the second derivative
// with respect to %x, loops whose stacks hold stacks' rows, not a recomputation.
// SECOND-LABEL: func.func @g_grad_grad(%arg0: tensor<i32>, %arg1: tensor<f32>) -> tensor<f32> attributes {lamina.grad = array<i64: 1>} {
// SECOND-NOT:     func.func
// SECOND:         lamina.set_row
// SECOND-NOT:     func.func
// SECOND:         lamina.strided_slice
// SECOND-NOT:     func.func
// SECOND:         lamina.tanh
// SECOND:         func.return %{{.*}} : tensor<f32>
func.func @g(%n: tensor<i32>, %x: tensor<f32>) -> tensor<f32>
    attributes {lamina.grad = array<i64: 1>} {
  %z = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %v = %x) : (tensor<i32>, tensor<f32>) -> (tensor<i32>, tensor<f32>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<f32>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %t = lamina.tanh %v : tensor<f32>
    lamina.yield %i2, %t : tensor<i32>, tensor<f32>
  }
  return %r#1 : tensor<f32>
}
