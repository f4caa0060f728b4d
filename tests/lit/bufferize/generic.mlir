// RUN: lamina-opt %s --bufferize | FileCheck %s
// RUN: lamina-opt %s -p bufferize | lamina-opt | FileCheck %s

#id = affine_map<(d0) -> (d0)>

// Constants live in private constant globals at the top of the module, one per value.
// CHECK:         memref.global "private" constant @__constant_2xf32 : memref<2xf32> = dense<[1.000000e+00, 2.000000e+00]>

// tensor.empty allocates (with its dynamic size) only when written; the second result goes
// into the first, which is dead by then; the function's result is not freed.
// CHECK-LABEL: func.func @chain(%arg0: memref<?xf32>, %arg1: memref<?xf32>) -> memref<?xf32>
// CHECK:         %[[D:.*]] = memref.dim %arg0
// CHECK-NEXT:    %[[B:.*]] = memref.alloc(%[[D]]) {alignment = 64 : i64} : memref<?xf32>
// CHECK-NEXT:    structured.generic
// CHECK-SAME:      ins(%arg0, %arg1 : memref<?xf32>, memref<?xf32>) outs(%[[B]] : memref<?xf32>)
// CHECK:         structured.generic
// CHECK-SAME:      ins(%[[B]], %arg1 : memref<?xf32>, memref<?xf32>) outs(%[[B]] : memref<?xf32>)
// CHECK-NOT:     memref.dealloc
// CHECK:         return %[[B]] : memref<?xf32>
func.func @chain(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %a, %c0 : tensor<?xf32>
  %e = tensor.empty(%d) : tensor<?xf32>
  %r = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    structured.yield %s : f32
  } -> tensor<?xf32>
  %e2 = tensor.empty(%d) : tensor<?xf32>
  %r2 = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%r, %b : tensor<?xf32>, tensor<?xf32>) outs(%e2 : tensor<?xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.mulf %x, %y : f32
    structured.yield %s : f32
  } -> tensor<?xf32>
  return %r2 : tensor<?xf32>
}

// Arguments are read-only: an output that starts as an argument is copied first, and freed
// after its last use.
// CHECK-LABEL: func.func @accumulate_into_argument
// CHECK:         %[[B:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    memref.copy %arg1, %[[B]] : memref<4xf32> to memref<4xf32>
// CHECK-NEXT:    structured.generic
// CHECK-SAME:      ins(%arg0 : memref<4xf32>) outs(%[[B]] : memref<4xf32>)
// CHECK:         %[[X:.*]] = memref.load %[[B]]
// CHECK-NEXT:    memref.dealloc %[[B]] : memref<4xf32>
// CHECK-NEXT:    return %[[X]] : f32
func.func @accumulate_into_argument(%a: tensor<4xf32>, %acc: tensor<4xf32>) -> f32 {
  %r = structured.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%acc : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    structured.yield %s : f32
  } -> tensor<4xf32>
  %c0 = arith.constant 0 : index
  %x = tensor.extract %r[%c0] : tensor<4xf32>
  return %x : f32
}

// An output read the other way round (transposed) cannot be overwritten in place.
// CHECK-LABEL: func.func @transposed
// CHECK:         %[[T:.*]] = memref.alloc(){{.*}}: memref<3x3xf32>
// CHECK:         %[[U:.*]] = memref.alloc(){{.*}}: memref<3x3xf32>
// CHECK-NEXT:    structured.generic
// CHECK-SAME:      ins(%[[T]], %[[T]] : memref<3x3xf32>, memref<3x3xf32>) outs(%[[U]] : memref<3x3xf32>)
// CHECK:         memref.dealloc %[[T]]
// CHECK-NEXT:    return %[[U]]
func.func @transposed(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %e = tensor.empty() : tensor<3x3xf32>
  %t = structured.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
      affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<3x3xf32>) outs(%e : tensor<3x3xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %x : f32
    structured.yield %s : f32
  } -> tensor<3x3xf32>
  %e2 = tensor.empty() : tensor<3x3xf32>
  %u = structured.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>,
      affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%t, %t : tensor<3x3xf32>, tensor<3x3xf32>) outs(%e2 : tensor<3x3xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.subf %x, %y : f32
    structured.yield %s : f32
  } -> tensor<3x3xf32>
  return %u : tensor<3x3xf32>
}

// Returning a constant returns a copy of its global.
// CHECK-LABEL: func.func @constant
// CHECK-NEXT:    %[[G:.*]] = memref.get_global @__constant_2xf32 : memref<2xf32>
// CHECK-NEXT:    %[[C:.*]] = memref.alloc(){{.*}}: memref<2xf32>
// CHECK-NEXT:    memref.copy %[[G]], %[[C]]
// CHECK-NEXT:    return %[[C]]
func.func @constant() -> tensor<2xf32> {
  %c = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
