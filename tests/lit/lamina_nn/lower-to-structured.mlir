// convert-lamina-to-structured of the nn, shape, random, control-flow and print ops.
// RUN: lamina-opt %s -p convert-lamina-to-structured | FileCheck %s

// The random ops' generator state and the runtime's printers are declared once in the module.
// CHECK-DAG:   memref.global "private" @__lamina_rng : memref<2xi64> = dense<0>
// CHECK-DAG:   func.func private @laminaPrintString(tensor<*xi8>)
// CHECK-DAG:   func.func private @laminaPrintTensorF32(tensor<*xf32>, i64)

// SAME padding of a 5x5 window: the input goes into a zero-filled tensor 4 larger, then one
// loop nest (n, oh, ow, oc | kh, kw, ic) accumulates into a zero-filled result.
// CHECK-LABEL: func.func @conv
// CHECK:         %[[PAD:.*]] = tensor.insert_slice %arg0 into %{{.*}}[0, 2, 2, 0] [%{{.*}}, 28, 28, 1] [1, 1, 1, 1] : tensor<?x28x28x1xf32> into tensor<?x32x32x1xf32>
// CHECK:         structured.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 + d4, d2 + d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[PAD]], %arg1 : tensor<?x32x32x1xf32>, tensor<5x5x1x32xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @conv(%x: tensor<?x28x28x1xf32>, %w: tensor<5x5x1x32xf32>) -> tensor<?x28x28x32xf32> {
  %0 = lamina.conv2d %x, %w strides = [1, 1] padding = SAME : (tensor<?x28x28x1xf32>, tensor<5x5x1x32xf32>) -> tensor<?x28x28x32xf32>
  return %0 : tensor<?x28x28x32xf32>
}

// Max pooling reads a window-shaped tensor only for the bounds of loops kh, kw.
// CHECK-LABEL: func.func @pool
// CHECK:         %[[WIN:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK:         structured.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d3)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>]
// CHECK:           arith.maximumf
func.func @pool(%x: tensor<1x4x4x3xf32>) -> tensor<1x2x2x3xf32> {
  %0 = lamina.max_pool2d %x ksize = [2, 2] strides = [2, 2] padding = VALID : tensor<1x4x4x3xf32> -> tensor<1x2x2x3xf32>
  return %0 : tensor<1x2x2x3xf32>
}

// A single index into a dynamic dimension is checked at run time.
// CHECK-LABEL: func.func @slice
// CHECK:         cf.assert %{{.*}}, "slice index 2 of dimension 0 out of bounds."
// CHECK:         tensor.extract_slice %arg0[%{{.*}}, 1] [1, 2] [1, 2] : tensor<?x4xf32> to tensor<2xf32>
func.func @slice(%x: tensor<?x4xf32>) -> tensor<2xf32> {
  %0 = lamina.strided_slice %x [2, 1::2] : (tensor<?x4xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// A draw reads [seed, counter] from the module's generator state and stores the counter back
// advanced by the number of elements.
// CHECK-LABEL: func.func @random
// CHECK:         %[[G:.*]] = memref.get_global @__lamina_rng : memref<2xi64>
// CHECK:         %[[SEED:.*]] = memref.load %[[G]][%{{.*}}] : memref<2xi64>
// CHECK:         %[[CTR:.*]] = memref.load %[[G]][%{{.*}}] : memref<2xi64>
// CHECK:         structured.generic
// CHECK:           math.log
// CHECK:           math.cos
// CHECK:         %[[N:.*]] = arith.constant 15 : i64
// CHECK:         %[[NEXT:.*]] = arith.addi %[[CTR]], %[[N]] : i64
// CHECK:         memref.store %[[NEXT]], %[[G]][%{{.*}}] : memref<2xi64>
func.func @random() -> tensor<3x5xf32> {
  %0 = lamina.random_normal : tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// CHECK-LABEL: func.func @loop
// CHECK:         scf.while (%{{.*}} = %arg0) : (tensor<f32>) -> tensor<f32> {
// CHECK:           %[[C:.*]] = tensor.extract %arg1[] : tensor<i1>
// CHECK:           scf.condition(%[[C]])
// CHECK:         } do {
// CHECK:           scf.yield
func.func @loop(%a: tensor<f32>, %p: tensor<i1>) -> tensor<f32> {
  %0 = lamina.while (%x = %a) : (tensor<f32>) -> tensor<f32> {
    lamina.yield %p : tensor<i1>
  } do {
  ^bb0(%y: tensor<f32>):
    lamina.yield %y : tensor<f32>
  }
  return %0 : tensor<f32>
}

// The runtime's printers take the tensor unranked, with the summarize count.
// CHECK-LABEL: func.func @print
// CHECK:         %[[T:.*]] = tensor.cast %arg0 : tensor<2xf32> to tensor<*xf32>
// CHECK:         func.call @laminaPrintTensorF32(%[[T]], %{{.*}}) : (tensor<*xf32>, i64) -> ()
// CHECK:         func.call @laminaPrintString(%{{.*}}) : (tensor<*xi8>) -> ()
func.func @print(%a: tensor<2xf32>) {
  lamina.print "{}\0A" %a : tensor<2xf32>
  return
}
