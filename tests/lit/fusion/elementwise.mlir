// RUN: lamina-opt %s --structured-fuse | FileCheck %s

#id = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#scalar = affine_map<(d0) -> ()>
#red = affine_map<(d0, d1) -> (d0)>

// relu(a*b + c) * 0.5 - a: one loop nest, no intermediate tensor, `a` read once, the splat
// constant folded into the body.
// CHECK-LABEL: func.func @chain
// CHECK:         structured.generic
// CHECK-SAME:      ins(%arg0, %arg1, %arg2 : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>)
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG:       %[[M:.*]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK-DAG:       %[[S:.*]] = arith.addf %[[M]], %[[C]] : f32
// CHECK-DAG:       %[[R:.*]] = arith.maximumf %[[S]], %{{.*}} : f32
// CHECK-DAG:       %[[H:.*]] = arith.constant {{.*}}5.000000e-01 : f32
// CHECK:           %[[P:.*]] = arith.mulf %[[R]], %[[H]] : f32
// CHECK:           %[[D:.*]] = arith.subf %[[P]], %[[A]] : f32
// CHECK-NEXT:      structured.yield %[[D]] : f32
// CHECK-NOT:     structured.generic
// CHECK:         return
func.func @chain(%a: tensor<?xf32>, %b: tensor<?xf32>, %c: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %half = arith.constant dense<5.000000e-01> : tensor<f32>
  %0 = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.mulf %x, %y : f32
    structured.yield %r : f32
  } -> tensor<?xf32>
  %1 = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%0, %c : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    structured.yield %r : f32
  } -> tensor<?xf32>
  %2 = structured.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%1 : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %r = arith.maximumf %x, %z : f32
    structured.yield %r : f32
  } -> tensor<?xf32>
  %3 = structured.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%2, %half : tensor<?xf32>, tensor<f32>) outs(%e : tensor<?xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.mulf %x, %y : f32
    structured.yield %r : f32
  } -> tensor<?xf32>
  %4 = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%3, %a : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.subf %x, %y : f32
    structured.yield %r : f32
  } -> tensor<?xf32>
  return %4 : tensor<?xf32>
}

// An elementwise producer feeding a reduction: exp(x) summed over rows in one loop nest.
// CHECK-LABEL: func.func @into_reduction
// CHECK:         %[[INIT:.*]] = structured.generic
// CHECK:         structured.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      ins(%arg0 : tensor<4x8xf32>) outs(%[[INIT]] : tensor<4xf32>)
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK-NOT:     structured.generic
func.func @into_reduction(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %ex = structured.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.exp %v : f32
    structured.yield %r : f32
  } -> tensor<4x8xf32>
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<4xf32>
  %init = structured.generic {indexing_maps = [#scalar, #id], iterator_types = ["parallel"]}
      ins(%z : f32) outs(%e1 : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    structured.yield %v : f32
  } -> tensor<4xf32>
  %s = structured.generic {indexing_maps = [#id2, #red], iterator_types = ["parallel", "reduction"]}
      ins(%ex : tensor<4x8xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.addf %acc, %v : f32
    structured.yield %r : f32
  } -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// A broadcast (a row repeated down the rows) folds into its consumer's indexing map.
// CHECK-LABEL: func.func @broadcast
// CHECK:         structured.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK-SAME:      ins(%arg0, %arg1 : tensor<3x5xf32>, tensor<5xf32>)
// CHECK-NOT:     structured.generic
func.func @broadcast(%x: tensor<3x5xf32>, %b: tensor<5xf32>) -> tensor<3x5xf32> {
  %e = tensor.empty() : tensor<3x5xf32>
  %bb = structured.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<5xf32>) outs(%e : tensor<3x5xf32>) {
  ^bb0(%v: f32, %o: f32):
    structured.yield %v : f32
  } -> tensor<3x5xf32>
  %r = structured.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %bb : tensor<3x5xf32>, tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) {
  ^bb0(%v: f32, %w: f32, %o: f32):
    %s = arith.addf %v, %w : f32
    structured.yield %s : f32
  } -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}
