// RUN: lamina-opt -p autodiff,canonicalize,cse %s | FileCheck %s
// RUN: lamina-opt -p autodiff,canonicalize,cse %s | lamina-opt -p autodiff,canonicalize,cse | FileCheck %s --check-prefix=SECOND

// The derivatives of convolution, pooling and slicing are the ops TensorFlow's are:
// StridedSliceGrad, MaxPoolGrad, Conv2DBackpropInput and Conv2DBackpropFilter, with the
// shapes they scatter into as operands (a constant where static, lamina.shape where not).
// CHECK-LABEL: func.func @conv_pool_grad(%arg0: tensor<?x8x8x1xf32>, %arg1: tensor<3x3x1x4xf32>) -> (tensor<?x8x8x1xf32>, tensor<3x3x1x4xf32>)
// CHECK:         %[[C:.*]] = lamina.conv2d %arg0, %arg1
// CHECK:         %[[G1:.*]] = lamina.strided_slice_grad %{{.*}}, %{{.*}} [:, 1:, ::-1] : (tensor<?x3x4x4xf32>, tensor<4xi64>) -> tensor<?x4x4x4xf32>
// CHECK:         %[[G2:.*]] = lamina.max_pool2d_grad %[[C]], %[[G1]] ksize = [2, 2] strides = [2, 2] padding = VALID
// CHECK:         %[[XS:.*]] = lamina.shape %arg0 : tensor<?x8x8x1xf32> -> tensor<4xi64>
// CHECK:         %[[GX:.*]] = lamina.conv2d_backprop_input %[[XS]], %arg1, %[[G2]] strides = [1, 1] padding = SAME
// CHECK:         %[[WS:.*]] = lamina.constant dense<[3, 3, 1, 4]> : tensor<4xi64>
// CHECK:         %[[GW:.*]] = lamina.conv2d_backprop_filter %arg0, %[[WS]], %[[G2]] strides = [1, 1] padding = SAME
// CHECK:         func.return %[[GX]], %[[GW]]

// Their own derivatives: a second application reaches max_pool2d_grad_grad and the
// backprops' adjoints.
// SECOND-LABEL: func.func @scaled_grad_grad(%arg0: tensor<f32>) -> tensor<f32>
// SECOND-DAG:     lamina.max_pool2d_grad_grad
// SECOND-DAG:     lamina.conv2d_backprop_input
// SECOND-DAG:     lamina.conv2d_backprop_filter
func.func @conv_pool(%x: tensor<?x8x8x1xf32>, %w: tensor<3x3x1x4xf32>) -> tensor<f32>
    attributes {lamina.grad} {
  %0 = lamina.conv2d %x, %w strides = [1, 1] padding = SAME : (tensor<?x8x8x1xf32>, tensor<3x3x1x4xf32>) -> tensor<?x8x8x4xf32>
  %1 = lamina.max_pool2d %0 ksize = [2, 2] strides = [2, 2] padding = VALID : tensor<?x8x8x4xf32> -> tensor<?x4x4x4xf32>
  %2 = lamina.strided_slice %1 [:, 1:, ::-1] : (tensor<?x4x4x4xf32>) -> tensor<?x3x4x4xf32>
  %3 = lamina.reduce_sum %2 axes = [0, 1, 2, 3] : tensor<?x3x4x4xf32> -> tensor<f32>
  return %3 : tensor<f32>
}
func.func @scaled(%s: tensor<f32>) -> tensor<f32> attributes {lamina.grad} {
  %x0 = lamina.constant dense<[[[[0.5], [-1.0], [2.0]], [[1.5], [0.25], [-0.75]], [[-2.0], [1.0], [0.125]]]]> : tensor<1x3x3x1xf32>
  %w0 = lamina.constant dense<[[[[1.0, -0.5]], [[0.25, 2.0]]], [[[-1.5, 0.75]], [[0.5, -0.25]]]]> : tensor<2x2x1x2xf32>
  %x = lamina.multiply %s, %x0 : (tensor<f32>, tensor<1x3x3x1xf32>) -> tensor<1x3x3x1xf32>
  %w = lamina.multiply %s, %w0 : (tensor<f32>, tensor<2x2x1x2xf32>) -> tensor<2x2x1x2xf32>
  %0 = lamina.conv2d %x, %w strides = [1, 1] padding = SAME : (tensor<1x3x3x1xf32>, tensor<2x2x1x2xf32>) -> tensor<1x3x3x2xf32>
  %1 = lamina.max_pool2d %0 ksize = [2, 2] strides = [1, 1] padding = VALID : tensor<1x3x3x2xf32> -> tensor<1x2x2x2xf32>
  %2 = lamina.multiply %1, %1 : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %3 = lamina.reduce_sum %2 axes = [0, 1, 2, 3] : tensor<1x2x2x2xf32> -> tensor<f32>
  return %3 : tensor<f32>
}
