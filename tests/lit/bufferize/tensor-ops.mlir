// RUN: lamina-opt %s --bufferize | FileCheck %s

// Slices are subviews of the source's buffer; a result that is a view (of an argument here)
// is copied out, an inserted element goes into a copy of the read-only argument.
// CHECK-LABEL: func.func @slices
// CHECK:         %[[S:.*]] = memref.subview %arg0[1, 0] [2, 3] [1, 1] : memref<4x3xf32> to memref<2x3xf32, strided<[3, 1], offset: 3>>
// CHECK-NEXT:    %[[X:.*]] = memref.load %[[S]][%arg1, %arg1] : memref<2x3xf32, strided<[3, 1], offset: 3>>
// CHECK-NEXT:    %[[B:.*]] = memref.alloc(){{.*}}: memref<4x3xf32>
// CHECK-NEXT:    memref.copy %arg0, %[[B]]
// CHECK-NEXT:    memref.store %[[X]], %[[B]][%arg1, %arg1] : memref<4x3xf32>
// CHECK-NEXT:    %[[ROW:.*]] = memref.subview %[[B]][2, 0] [1, 3] [1, 1] : memref<4x3xf32> to memref<3xf32, strided<[1], offset: 6>>
// CHECK-NEXT:    %[[OUT:.*]] = memref.alloc(){{.*}}: memref<3xf32>
// CHECK-NEXT:    memref.copy %[[ROW]], %[[OUT]]
// CHECK-NEXT:    %[[OUT2:.*]] = memref.alloc(){{.*}}: memref<2x3xf32>
// CHECK-NEXT:    memref.copy %[[S]], %[[OUT2]]
// CHECK-NEXT:    memref.dealloc %[[B]]
// CHECK-NEXT:    return %[[OUT]], %[[OUT2]]
func.func @slices(%a: tensor<4x3xf32>, %i: index) -> (tensor<3xf32>, tensor<2x3xf32>) {
  %s = tensor.extract_slice %a[1, 0] [2, 3] [1, 1] : tensor<4x3xf32> to tensor<2x3xf32>
  %x = tensor.extract %s[%i, %i] : tensor<2x3xf32>
  %ins = tensor.insert %x into %a[%i, %i] : tensor<4x3xf32>
  %row = tensor.extract_slice %ins[2, 0] [1, 3] [1, 1] : tensor<4x3xf32> to tensor<3xf32>
  return %row, %s : tensor<3xf32>, tensor<2x3xf32>
}

// insert_slice writes into its destination's buffer when that is dead; a rank-reduced source
// goes into a rank-reduced subview.
// CHECK-LABEL: func.func @insert_slice
// CHECK:         %[[D:.*]] = memref.alloc(){{.*}}: memref<4x3xf32>
// CHECK:         %[[SUB:.*]] = memref.subview %[[D]][%arg1, 0] [1, 3] [1, 1] : memref<4x3xf32> to memref<3xf32, strided<[1], offset: ?>>
// CHECK-NEXT:    memref.copy %arg0, %[[SUB]] : memref<3xf32> to memref<3xf32, strided<[1], offset: ?>>
// CHECK-NEXT:    return %[[D]]
func.func @insert_slice(%row: tensor<3xf32>, %i: index, %f: f32) -> tensor<4x3xf32> {
  %e = tensor.splat %f : tensor<4x3xf32>
  %r = tensor.insert_slice %row into %e[%i, 0] [1, 3] [1, 1] : tensor<3xf32> into tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// Reshapes of contiguous buffers are views; a non-contiguous one is copied first.
// CHECK-LABEL: func.func @reshapes
// CHECK:         %[[C:.*]] = memref.collapse_shape %arg0 {{\[\[}}0, 1]] : memref<2x6xf32> into memref<12xf32>
// CHECK-NEXT:    %[[E:.*]] = memref.expand_shape %[[C]] {{\[\[}}0, 1]] output_shape [3, 4] : memref<12xf32> into memref<3x4xf32>
// CHECK-NEXT:    %[[S:.*]] = memref.subview %arg0[0, 1] [2, 2] [1, 1]
// CHECK-NEXT:    %[[T:.*]] = memref.alloc(){{.*}}: memref<2x2xf32>
// CHECK-NEXT:    memref.copy %[[S]], %[[T]]
// CHECK-NEXT:    %[[F:.*]] = memref.collapse_shape %[[T]] {{\[\[}}0, 1]] : memref<2x2xf32> into memref<4xf32>
// CHECK:         memref.reinterpret_cast %arg0 to offset: [0], sizes: [%{{.*}}, %{{.*}}], strides: [%{{.*}}, 1] : memref<2x6xf32> to memref<?x?xf32>
func.func @reshapes(%a: tensor<2x6xf32>, %shape: tensor<2xindex>)
    -> (tensor<3x4xf32>, tensor<4xf32>, tensor<?x?xf32>) {
  %c = tensor.collapse_shape %a [[0, 1]] : tensor<2x6xf32> into tensor<12xf32>
  %e = tensor.expand_shape %c [[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
  %s = tensor.extract_slice %a[0, 1] [2, 2] [1, 1] : tensor<2x6xf32> to tensor<2x2xf32>
  %f = tensor.collapse_shape %s [[0, 1]] : tensor<2x2xf32> into tensor<4xf32>
  %r = tensor.reshape %a(%shape) : (tensor<2x6xf32>, tensor<2xindex>) -> tensor<?x?xf32>
  return %e, %f, %r : tensor<3x4xf32>, tensor<4xf32>, tensor<?x?xf32>
}

// Tensors built element by element, filled, generated, padded and concatenated.
// CHECK-LABEL: func.func @makers
// CHECK:         %[[FE:.*]] = memref.alloc(){{.*}}: memref<2xf32>
// CHECK:         memref.store %arg0, %[[FE]][%{{.*}}] : memref<2xf32>
// CHECK:         memref.store %arg1, %[[FE]][%{{.*}}] : memref<2xf32>
// CHECK:         %[[P:.*]] = memref.alloc(){{.*}}: memref<5xf32>
// CHECK-NEXT:    structured.generic {{.*}} ins() outs(%[[P]] : memref<5xf32>) {
// CHECK-NEXT:    ^bb0(%{{.*}}: f32):
// CHECK-NEXT:      %{{.*}} = structured.index 0 : index
// CHECK:         %[[IN:.*]] = memref.subview %[[P]][1] [2] [1]
// CHECK-NEXT:    memref.copy %[[FE]], %[[IN]]
// CHECK:         %[[G:.*]] = memref.alloc(%arg2) {{.*}} : memref<?x2xf32>
// CHECK-NEXT:    structured.generic {{.*}} ins() outs(%[[G]] : memref<?x2xf32>) {
// CHECK:         %[[CC:.*]] = memref.alloc(){{.*}}: memref<7xf32>
// CHECK:         memref.copy %[[P]], %{{.*}} : memref<5xf32> to memref<5xf32, strided<[1]>>
// CHECK:         memref.copy %[[FE]], %{{.*}} : memref<2xf32> to memref<2xf32, strided<[1], offset: 5>>
func.func @makers(%v: f32, %w: f32, %n: index) -> (tensor<5xf32>, tensor<?x2xf32>, tensor<7xf32>) {
  %fe = tensor.from_elements %v, %w : tensor<2xf32>
  %pd = tensor.pad %fe low[1] high[2] {
  ^bb0(%q: index):
    %qi = arith.index_cast %q : index to i32
    %qf = arith.sitofp %qi : i32 to f32
    tensor.yield %qf : f32
  } : tensor<2xf32> to tensor<5xf32>
  %g = tensor.generate %n {
  ^bb0(%j: index, %k: index):
    tensor.yield %v : f32
  } : tensor<?x2xf32>
  %cc = tensor.concat dim(0) %pd, %fe : (tensor<5xf32>, tensor<2xf32>) -> tensor<7xf32>
  return %pd, %g, %cc : tensor<5xf32>, tensor<?x2xf32>, tensor<7xf32>
}
