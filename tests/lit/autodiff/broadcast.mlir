// RUN: lamina-opt -p autodiff,canonicalize,cse %s | FileCheck %s

// A broadcast operand's cotangent is summed back to its shape by lamina.reduce_to_shape;
// an integer argument gets no gradient result.
// CHECK-LABEL: func.func @scale_grad(%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>, %arg2: tensor<2xi32>) -> (tensor<2x3xf32>, tensor<3xf32>)
// CHECK:         %[[B:.*]] = lamina.constant dense<1.000000e+00> : tensor<2x3xf32>
// CHECK-DAG:     %[[GX:.*]] = lamina.multiply %arg1, %[[B]] : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-DAG:     %[[P:.*]] = lamina.multiply %arg0, %[[B]] : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-DAG:     %[[GW:.*]] = lamina.reduce_to_shape %[[P]] : (tensor<2x3xf32>) -> tensor<3xf32>
// CHECK:         func.return %[[GX]], %[[GW]] : tensor<2x3xf32>, tensor<3xf32>
func.func @scale(%x: tensor<2x3xf32>, %w: tensor<3xf32>, %n: tensor<2xi32>) -> tensor<f32>
    attributes {lamina.grad} {
  %0 = lamina.multiply %x, %w : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = lamina.reduce_sum %0 axes = [0, 1] : tensor<2x3xf32> -> tensor<f32>
  return %1 : tensor<f32>
}
