// RUN: lamina-opt %s --bufferize | FileCheck %s

#id = affine_map<(d0) -> (d0)>

// A variable becomes a memref argument. A read aliases it when no write can happen while the
// value read is alive; an assignment copies into it.
// CHECK-LABEL: func.func @step(%arg0: memref<3xf32>, %arg1: memref<3xf32>)
// CHECK-NEXT:    %[[S:.*]] = memref.alloc(){{.*}}: memref<3xf32>
// CHECK-NEXT:    structured.generic
// CHECK-SAME:      ins(%arg0, %arg1 : memref<3xf32>, memref<3xf32>) outs(%[[S]] : memref<3xf32>)
// CHECK:         memref.copy %[[S]], %arg0 : memref<3xf32> to memref<3xf32>
// CHECK-NEXT:    memref.dealloc %[[S]]
// CHECK-NEXT:    return
func.func @step(%v: !lamina.variable<tensor<3xf32>>, %g: tensor<3xf32>) {
  %x = lamina.read_variable %v : !lamina.variable<tensor<3xf32>>
  %e = tensor.empty() : tensor<3xf32>
  %s = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %g : tensor<3xf32>, tensor<3xf32>) outs(%e : tensor<3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    structured.yield %d : f32
  } -> tensor<3xf32>
  lamina.assign_variable %v, %s : !lamina.variable<tensor<3xf32>>
  return
}

// The old value is still needed after the assignment: the read copies.
// CHECK-LABEL: func.func @swap
// CHECK-NEXT:    %[[OLD:.*]] = memref.alloc(){{.*}}: memref<3xf32>
// CHECK-NEXT:    memref.copy %arg0, %[[OLD]]
// CHECK-NEXT:    memref.copy %arg1, %arg0
// CHECK-NEXT:    return %[[OLD]]
func.func @swap(%v: !lamina.variable<tensor<3xf32>>, %new: tensor<3xf32>) -> tensor<3xf32> {
  %old = lamina.read_variable %v : !lamina.variable<tensor<3xf32>>
  lamina.assign_variable %v, %new : !lamina.variable<tensor<3xf32>>
  return %old : tensor<3xf32>
}
