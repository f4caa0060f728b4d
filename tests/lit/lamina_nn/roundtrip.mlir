// The custom forms of the lamina dialect's nn, shape, random, control-flow, variable and print
// ops print as they read, and the generic form reads back to the same ops.
// RUN: lamina-opt %s | lamina-opt | FileCheck %s
// RUN: lamina-opt %s --mlir-print-op-generic | lamina-opt | FileCheck %s

// CHECK-LABEL: func.func @nn
func.func @nn(%x: tensor<?x28x28x1xf32>, %w: tensor<5x5x1x32xf32>) -> tensor<?x7x7x32xf32> {
  // CHECK: lamina.conv2d %arg0, %arg1 strides = [1, 1] padding = SAME : (tensor<?x28x28x1xf32>, tensor<5x5x1x32xf32>) -> tensor<?x28x28x32xf32>
  %0 = lamina.conv2d %x, %w strides = [1, 1] padding = SAME : (tensor<?x28x28x1xf32>, tensor<5x5x1x32xf32>) -> tensor<?x28x28x32xf32>
  // CHECK: lamina.conv2d %arg0, %arg1 strides = [2, 1] padding = VALID dilations = [1, 2] : (tensor<?x28x28x1xf32>, tensor<5x5x1x32xf32>) -> tensor<?x12x20x32xf32>
  %1 = lamina.conv2d %x, %w strides = [2, 1] padding = VALID dilations = [1, 2] : (tensor<?x28x28x1xf32>, tensor<5x5x1x32xf32>) -> tensor<?x12x20x32xf32>
  // CHECK: lamina.max_pool2d %{{.*}} ksize = [2, 2] strides = [2, 2] padding = SAME : tensor<?x28x28x32xf32> -> tensor<?x14x14x32xf32>
  %2 = lamina.max_pool2d %0 ksize = [2, 2] strides = [2, 2] padding = SAME : tensor<?x28x28x32xf32> -> tensor<?x14x14x32xf32>
  // CHECK: lamina.avg_pool2d %{{.*}} ksize = [3, 3] strides = [2, 2] padding = VALID : tensor<?x14x14x32xf32> -> tensor<?x6x6x32xf32>
  %3 = lamina.avg_pool2d %2 ksize = [3, 3] strides = [2, 2] padding = VALID : tensor<?x14x14x32xf32> -> tensor<?x6x6x32xf32>
  %4 = lamina.max_pool2d %2 ksize = [2, 2] strides = [2, 2] padding = VALID : tensor<?x14x14x32xf32> -> tensor<?x7x7x32xf32>
  return %4 : tensor<?x7x7x32xf32>
}

// CHECK-LABEL: func.func @shape
func.func @shape(%a: tensor<2x3x4xf32>, %i: tensor<i32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  // CHECK: lamina.reshape %arg0 : tensor<2x3x4xf32> -> tensor<?x4xf32>
  %0 = lamina.reshape %a : tensor<2x3x4xf32> -> tensor<?x4xf32>
  // CHECK: lamina.transpose %arg0 perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %1 = lamina.transpose %a perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  // CHECK: lamina.concat %{{.*}}, %{{.*}} axis = 0 : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %2 = lamina.concat %0, %0 axis = 0 : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  // CHECK: lamina.stack %arg0, %arg0 axis = 3 : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4x2xf32>
  %3 = lamina.stack %a, %a axis = 3 : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4x2xf32>
  // CHECK: lamina.strided_slice %arg0 [1:, ::-2, %arg1] : (tensor<2x3x4xf32>, tensor<i32>) -> tensor<1x2xf32>
  %4 = lamina.strided_slice %a [1:, ::-2, %i] : (tensor<2x3x4xf32>, tensor<i32>) -> tensor<1x2xf32>
  // CHECK: lamina.strided_slice %arg0 [-1, :%arg1:2] : (tensor<2x3x4xf32>, tensor<i32>) -> tensor<?x4xf32>
  %5 = lamina.strided_slice %a [-1, :%i:2] : (tensor<2x3x4xf32>, tensor<i32>) -> tensor<?x4xf32>
  // CHECK: lamina.broadcast_to %{{.*}}, %arg2 : (tensor<1x2xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %6 = lamina.broadcast_to %4, %s : (tensor<1x2xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  // CHECK: lamina.shape %{{.*}} : tensor<?x4xf32> -> tensor<2xi32>
  %7 = lamina.shape %5 : tensor<?x4xf32> -> tensor<2xi32>
  return %6 : tensor<?x?xf32>
}

// CHECK-LABEL: func.func @random
func.func @random(%s: tensor<2xi32>) -> (tensor<3x5xf32>, tensor<?x?xf64>) {
  // CHECK: lamina.random_normal : tensor<3x5xf32>
  %0 = lamina.random_normal : tensor<3x5xf32>
  // CHECK: lamina.random_uniform %arg0 {maxval = 1.000000e+01 : f64, minval = -1.000000e+01 : f64} : tensor<2xi32> -> tensor<?x?xf64>
  %1 = lamina.random_uniform %s {minval = -10.0, maxval = 10.0} : tensor<2xi32> -> tensor<?x?xf64>
  return %0, %1 : tensor<3x5xf32>, tensor<?x?xf64>
}

// CHECK-LABEL: func.func @control
func.func @control(%p: tensor<i1>, %a: tensor<3xf32>, %v: !lamina.variable<tensor<3xf32>>) -> tensor<?xf32> {
  // CHECK: lamina.cond %arg0 -> (tensor<?xf32>) {
  // CHECK-NEXT: lamina.yield %arg1 : tensor<3xf32>
  // CHECK-NEXT: } else {
  %0 = lamina.cond %p -> (tensor<?xf32>) {
    lamina.yield %a : tensor<3xf32>
  } else {
    %r = lamina.read_variable %v : !lamina.variable<tensor<3xf32>>
    lamina.yield %r : tensor<3xf32>
  }
  // CHECK: lamina.while (%[[X:.*]] = %{{.*}}) : (tensor<?xf32>) -> tensor<?xf32> {
  // CHECK-NEXT: lamina.yield %arg0 : tensor<i1>
  // CHECK-NEXT: } do {
  // CHECK-NEXT: ^bb0(%[[Y:.*]]: tensor<?xf32>):
  %1 = lamina.while (%x = %0) : (tensor<?xf32>) -> tensor<?xf32> {
    lamina.yield %p : tensor<i1>
  } do {
  ^bb0(%y: tensor<?xf32>):
    lamina.yield %y : tensor<?xf32>
  }
  // CHECK: lamina.assign_variable %arg2, %arg1 : !lamina.variable<tensor<3xf32>>
  lamina.assign_variable %v, %a : !lamina.variable<tensor<3xf32>>
  // CHECK: lamina.print "x = {}\0A" %{{.*}} : tensor<?xf32> {summarize = -1 : i64}
  lamina.print "x = {}\0A" %1 : tensor<?xf32> {summarize = -1 : i64}
  return %1 : tensor<?xf32>
}
