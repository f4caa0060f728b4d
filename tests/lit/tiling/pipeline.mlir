// lamina.matmul and lamina.conv2d through the loops stage's passes: after bufferize,
// structured-tile leaves no contraction for convert-structured-to-loops to expand.
// RUN: lamina-opt %s --pass-pipeline='builtin.module(convert-lamina-to-structured,canonicalize,cse,bufferize,canonicalize,structured-tile,convert-structured-to-loops,canonicalize,cse)' | FileCheck %s

// CHECK-LABEL: func.func @dense
// CHECK-NOT:     structured.generic
// CHECK:         vector.fma {{.*}} : vector<16xf32>
// CHECK:         return
func.func @dense(%x: tensor<?x784xf32>, %w: tensor<784x128xf32>) -> tensor<?x128xf32> {
  %0 = lamina.matmul %x, %w : (tensor<?x784xf32>, tensor<784x128xf32>) -> tensor<?x128xf32>
  return %0 : tensor<?x128xf32>
}

// CHECK-LABEL: func.func @conv
// CHECK:         vector.fma {{.*}} : vector<8xf64>
// CHECK:         return
func.func @conv(%x: tensor<?x14x14x32xf64>, %w: tensor<5x5x32x64xf64>) -> tensor<?x14x14x64xf64> {
  %0 = lamina.conv2d %x, %w strides = [1, 1] padding = SAME : (tensor<?x14x14x32xf64>, tensor<5x5x32x64xf64>) -> tensor<?x14x14x64xf64>
  return %0 : tensor<?x14x14x64xf64>
}
