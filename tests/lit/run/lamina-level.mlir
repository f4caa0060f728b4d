// An entry at the lamina level takes no arguments; its tensor results print as printMemref
// prints a memref (integers as numbers, unsigned ones unsigned), in order.
// NO-MLIR-RUNNER: upstream has no lamina dialect
// RUN: lamina-run %s | FileCheck %s
// RUN: lamina-run %s -e integers | FileCheck %s --check-prefix=INT
// RUN: not lamina-run %s -e main -entry-point-result=f32 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK: Unranked Memref base@ = {{.*}} rank = 2 offset = 0 sizes = [2, 2] strides = [2, 1] data =
// CHECK-NEXT: {{\[\[}}7,   10],
// CHECK-NEXT:  [15,   22]]
// CHECK-NEXT: Unranked Memref base@ = {{.*}} rank = 0 offset = 0 sizes = [] strides = [] data =
// CHECK-NEXT: [54]
// BAD: lamina-level.mlir: error: only single f32 function result supported
func.func @main() -> (tensor<2x2xf32>, tensor<f32>) {
  %a = lamina.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %p = lamina.matmul %a, %a : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %s = lamina.reduce_sum %p axes = [0, 1] : tensor<2x2xf32> -> tensor<f32>
  return %p, %s : tensor<2x2xf32>, tensor<f32>
}

// INT: Unranked Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [3] strides = [1] data =
// INT-NEXT: [200,  1,  255]
// INT-NEXT: Unranked Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [3] strides = [1] data =
// INT-NEXT: [-56,  1,  -1]
func.func @integers() -> (tensor<3xui8>, tensor<3xi8>) {
  %u = lamina.constant dense<[200, 1, 255]> : tensor<3xui8>
  %i = lamina.cast %u : tensor<3xui8> to tensor<3xi8>
  return %u, %i : tensor<3xui8>, tensor<3xi8>
}
