// convert-lamina-to-structured: each op becomes a structured.generic on tensors.
// RUN: lamina-opt %s -p convert-lamina-to-structured | FileCheck %s

// Broadcasting reads a size-1 dimension at index 0 and drops missing leading dimensions; a
// `?` result dimension takes its size from the operand that has it.
// CHECK-LABEL: func.func @add
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[D:.*]] = tensor.dim %arg0, %[[C0]] : tensor<?x1xf32>
// CHECK:         %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x3xf32>
// CHECK:         structured.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%arg0, %arg1 : tensor<?x1xf32>, tensor<3xf32>) outs(%[[E]] : tensor<?x3xf32>)
// CHECK:           arith.addf
func.func @add(%a: tensor<?x1xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  %0 = lamina.add %a, %b : (tensor<?x1xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// Unsigned types become signless, the unsigned arith ops keep their meaning; an integer
// division checks its divisor and divides by 1 instead of zero.
// CHECK-LABEL: func.func @floordiv_ui8(%arg0: tensor<4xi8>, %arg1: tensor<4xi8>) -> tensor<4xi8>
// CHECK:         ^bb0(%[[X:.*]]: i8, %[[Y:.*]]: i8, %{{.*}}: i8):
// CHECK:           %[[Z:.*]] = arith.cmpi eq, %[[Y]], %{{.*}} : i8
// CHECK:           cf.assert %{{.*}}, "Integer division by zero"
// CHECK:           %[[S:.*]] = arith.select %[[Z]], %{{.*}}, %[[Y]] : i8
// CHECK:           arith.divui %[[X]], %[[S]] : i8
// CHECK-NOT:     ui8
func.func @floordiv_ui8(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %0 = lamina.floordiv %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// A reduction fills its accumulator with the identity, then reduces into it.
// CHECK-LABEL: func.func @reduce_max
// CHECK:         %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<2x1xf32>
// CHECK:         %[[INIT:.*]] = structured.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[NEG_INF]] : f32) outs(%[[E]] : tensor<2x1xf32>)
// CHECK:         structured.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<2x3xf32>) outs(%[[INIT]] : tensor<2x1xf32>)
// CHECK:           arith.maximumf
func.func @reduce_max(%a: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %0 = lamina.reduce_max %a axes = [1] keepdims : tensor<2x3xf32> -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// Batched matmul: batch dimensions broadcast, the contraction is the innermost loop.
// CHECK-LABEL: func.func @matmul
// CHECK:         structured.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (0, d3, d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK:           %[[P:.*]] = arith.mulf
// CHECK:           arith.addf %{{.*}}, %[[P]] : f32
func.func @matmul(%a: tensor<1x3x2xf32>, %b: tensor<5x3x4xf32>) -> tensor<5x2x4xf32> {
  %0 = lamina.matmul %a, %b transpose_a : (tensor<1x3x2xf32>, tensor<5x3x4xf32>) -> tensor<5x2x4xf32>
  return %0 : tensor<5x2x4xf32>
}
