// The custom forms of the lamina dialect's elementwise, reduction and linalg ops print as they
// read, and the generic form reads back to the same ops.
// RUN: lamina-opt %s | lamina-opt | FileCheck %s
// RUN: lamina-opt %s --mlir-print-op-generic | lamina-opt | FileCheck %s

// CHECK-LABEL: func.func @ops
func.func @ops(%a: tensor<2x?xf32>, %b: tensor<?xf32>, %c: tensor<2x1xi1>, %n: index,
               %s: tensor<f32>, %u: tensor<4xui8>) -> tensor<2x?xf32> {
  // CHECK: lamina.add %arg0, %arg1 : (tensor<2x?xf32>, tensor<?xf32>) -> tensor<2x?xf32>
  %0 = lamina.add %a, %b : (tensor<2x?xf32>, tensor<?xf32>) -> tensor<2x?xf32>
  // CHECK: lamina.greater_equal %{{.*}}, %arg4 : (tensor<2x?xf32>, tensor<f32>) -> tensor<2x?xi1>
  %1 = lamina.greater_equal %0, %s : (tensor<2x?xf32>, tensor<f32>) -> tensor<2x?xi1>
  // CHECK: lamina.where %arg2, %{{.*}}, %arg4 : (tensor<2x1xi1>, tensor<2x?xf32>, tensor<f32>) -> tensor<2x?xf32>
  %2 = lamina.where %c, %0, %s : (tensor<2x1xi1>, tensor<2x?xf32>, tensor<f32>) -> tensor<2x?xf32>
  // CHECK: lamina.sigmoid %{{.*}} : tensor<2x?xf32>
  %3 = lamina.sigmoid %2 : tensor<2x?xf32>
  // CHECK: lamina.cast %arg5 : tensor<4xui8> to tensor<4xf32>
  %4 = lamina.cast %u : tensor<4xui8> to tensor<4xf32>
  // CHECK: lamina.reduce_sum %{{.*}} axes = [1] keepdims : tensor<2x?xf32> -> tensor<2x1xf32>
  %5 = lamina.reduce_sum %3 axes = [1] keepdims : tensor<2x?xf32> -> tensor<2x1xf32>
  // CHECK: lamina.argmax %{{.*}} axis = 0 : tensor<2x?xf32> -> tensor<?xi32>
  %6 = lamina.argmax %3 axis = 0 : tensor<2x?xf32> -> tensor<?xi32>
  // CHECK: lamina.matmul %{{.*}}, %{{.*}} transpose_b : (tensor<2x?xf32>, tensor<2x?xf32>) -> tensor<2x2xf32>
  %7 = lamina.matmul %3, %3 transpose_b : (tensor<2x?xf32>, tensor<2x?xf32>) -> tensor<2x2xf32>
  // CHECK: lamina.fill %arg4[%arg3] : tensor<f32> -> tensor<2x?xf32>
  %8 = lamina.fill %s[%n] : tensor<f32> -> tensor<2x?xf32>
  return %8 : tensor<2x?xf32>
}
