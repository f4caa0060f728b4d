// RUN: lamina-opt -p autodiff,canonicalize,cse %s | FileCheck %s

// A call is differentiated through the callee's vector-Jacobian-product function, emitted once
// beside it: the callee's arguments, then the cotangent of its float result (the i32 result
// has none); it returns the cotangent of its float argument.
// CHECK-LABEL: func.func @sq_vjp(%arg0: tensor<?xf32>, %arg1: tensor<i32>, %arg2: tensor<?xf32>) -> tensor<?xf32> {
// CHECK-NEXT:    %[[P:.*]] = lamina.multiply %arg2, %arg0 : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
// CHECK-NEXT:    %[[S:.*]] = lamina.add %[[P]], %[[P]] : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
// CHECK-NEXT:    func.return %[[S]] : tensor<?xf32>
// CHECK-NEXT:  }
func.func @sq(%x: tensor<?xf32>, %k: tensor<i32>) -> (tensor<?xf32>, tensor<i32>) {
  %0 = lamina.multiply %x, %x : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  return %0, %k : tensor<?xf32>, tensor<i32>
}

// The gradient with respect to a variable is the cotangent of its read; an argument the
// result does not depend on gets zeros of its run-time shape (a dynamic shape: broadcast_to
// of a 0-d zero to lamina.shape of the argument, not a constant).
// CHECK-LABEL: func.func @f_grad(%arg0: tensor<?xf32>, %arg1: !lamina.variable<tensor<?xf32>>, %arg2: tensor<?x2xf32>) -> (tensor<?xf32>, tensor<?xf32>, tensor<?x2xf32>) {
// CHECK:         %[[W:.*]] = lamina.read_variable %arg1 : !lamina.variable<tensor<?xf32>>
// CHECK:         %[[Y:.*]]:2 = func.call @sq(%arg0, %{{.*}}) : (tensor<?xf32>, tensor<i32>) -> (tensor<?xf32>, tensor<i32>)
// CHECK:         %[[ONES:.*]] = lamina.broadcast_to
// (each product's cotangent is summed back to its operand's run-time shape: a `?` of size 1
// at run time broadcasts)
// CHECK-DAG:     %[[PY:.*]] = lamina.multiply %[[ONES]], %[[W]] : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
// CHECK-DAG:     %[[SY:.*]] = lamina.shape %[[Y]]#0 : tensor<?xf32> -> tensor<1xi32>
// CHECK-DAG:     %[[GY:.*]] = lamina.reduce_to_shape %[[PY]], %[[SY]] : (tensor<?xf32>, tensor<1xi32>) -> tensor<?xf32>
// CHECK-DAG:     %[[PW:.*]] = lamina.multiply %[[ONES]], %[[Y]]#0 : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
// CHECK-DAG:     %[[SW:.*]] = lamina.shape %[[W]] : tensor<?xf32> -> tensor<1xi32>
// CHECK-DAG:     %[[GW:.*]] = lamina.reduce_to_shape %[[PW]], %[[SW]] : (tensor<?xf32>, tensor<1xi32>) -> tensor<?xf32>
// CHECK:         %[[GX:.*]] = func.call @sq_vjp(%arg0, %{{.*}}, %[[GY]]) : (tensor<?xf32>, tensor<i32>, tensor<?xf32>) -> tensor<?xf32>
// CHECK-DAG:     %[[Z:.*]] = lamina.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG:     %[[SHAPE:.*]] = lamina.shape %arg2 : tensor<?x2xf32> -> tensor<2xi32>
// CHECK:         %[[GU:.*]] = lamina.broadcast_to %[[Z]], %[[SHAPE]] : (tensor<f32>, tensor<2xi32>) -> tensor<?x2xf32>
// CHECK:         func.return %[[GX]], %[[GW]], %[[GU]] : tensor<?xf32>, tensor<?xf32>, tensor<?x2xf32>
func.func @f(%x: tensor<?xf32>, %v: !lamina.variable<tensor<?xf32>>, %u: tensor<?x2xf32>) -> tensor<f32>
    attributes {lamina.grad} {
  %k = lamina.constant dense<3> : tensor<i32>
  %w = lamina.read_variable %v : !lamina.variable<tensor<?xf32>>
  %s:2 = func.call @sq(%x, %k) : (tensor<?xf32>, tensor<i32>) -> (tensor<?xf32>, tensor<i32>)
  %p = lamina.multiply %s#0, %w : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  %r = lamina.reduce_sum %p axes = [0] : tensor<?xf32> -> tensor<f32>
  return %r : tensor<f32>
}
