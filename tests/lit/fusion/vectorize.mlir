// RUN: lamina-opt %s --structured-vectorize | FileCheck %s

#id = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#t = affine_map<(d0, d1) -> (d1, d0)>
#red = affine_map<(d0, d1) -> (d0)>
#scalar = affine_map<(d0) -> ()>

// Elementwise: a parallel vector loop over the multiples of 16 (a scalar broadcast once),
// then a scalar loop over the rest.
// CHECK-LABEL: func.func @axpy
// CHECK:         %[[N:.*]] = memref.dim %arg0
// CHECK:         %[[SPAN:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK:         %[[REM:.*]] = arith.remsi %[[SPAN]], %{{.*}} : index
// CHECK:         %[[END:.*]] = arith.subi %[[N]], %[[REM]] : index
// CHECK:         scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[END]]) step (%{{.*}}) {
// CHECK-DAG:       %[[X:.*]] = vector.load %arg0[%[[I]]] : memref<?xf32>, vector<16xf32>
// CHECK-DAG:       %[[Y:.*]] = vector.load %arg1[%[[I]]] : memref<?xf32>, vector<16xf32>
// CHECK-DAG:       %[[A:.*]] = vector.broadcast %arg3 : f32 to vector<16xf32>
// CHECK:           %[[AX:.*]] = arith.mulf %[[A]], %[[X]] : vector<16xf32>
// CHECK:           %[[R:.*]] = arith.addf %[[AX]], %[[Y]] : vector<16xf32>
// CHECK:           vector.store %[[R]], %arg2[%[[I]]] : memref<?xf32>, vector<16xf32>
// CHECK:         scf.for %[[J:.*]] = %[[END]] to %[[N]] step
// CHECK:           memref.load %arg0[%[[J]]]
// CHECK:           memref.store
func.func @axpy(%x: memref<?xf32>, %y: memref<?xf32>, %out: memref<?xf32>, %a: f32) {
  structured.generic {indexing_maps = [#id, #id, #scalar, #id], iterator_types = ["parallel"]}
      ins(%x, %y, %a : memref<?xf32>, memref<?xf32>, f32) outs(%out : memref<?xf32>) {
  ^bb0(%u: f32, %v: f32, %s: f32, %o: f32):
    %m = arith.mulf %s, %u : f32
    %r = arith.addf %m, %v : f32
    structured.yield %r : f32
  }
  return
}

// A row sum: four vector accumulators from the identity (64 elements a step), merged, one
// accumulator for the next multiples of 16, one vector.reduction, then the scalar rest.
// CHECK-LABEL: func.func @row_sum
// CHECK:         scf.parallel (%[[R:.*]]) =
// CHECK:           %[[Z:.*]] = arith.constant {{.*}}0.000000e+00 : f32
// CHECK:           %[[ZV:.*]] = vector.broadcast %[[Z]] : f32 to vector<16xf32>
// CHECK:           %[[W:.*]]:4 = scf.for {{.*}} iter_args(%{{.*}} = %[[ZV]], %{{.*}} = %[[ZV]], %{{.*}} = %[[ZV]], %{{.*}} = %[[ZV]])
// CHECK-COUNT-4:     vector.load %arg0[%[[R]], %{{.*}}] : memref<?x100xf32>, vector<16xf32>
// CHECK:           arith.addf %[[W]]#0, %[[W]]#1 : vector<16xf32>
// CHECK:           %[[V:.*]] = scf.for {{.*}} -> (vector<16xf32>)
// CHECK:           %[[S:.*]] = vector.reduction <add>, %[[V]] : vector<16xf32> into f32
// CHECK:           %[[OLD:.*]] = memref.load %arg1[%[[R]]]
// CHECK:           %[[NEW:.*]] = arith.addf %[[OLD]], %[[S]] : f32
// CHECK:           memref.store %[[NEW]], %arg1[%[[R]]]
// CHECK:           scf.for
func.func @row_sum(%x: memref<?x100xf32>, %out: memref<?xf32>) {
  structured.generic {indexing_maps = [#id2, #red], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x100xf32>) outs(%out : memref<?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.addf %acc, %v : f32
    structured.yield %r : f32
  }
  return
}

// A transposed read is not contiguous along the innermost loop: left as it is.
// CHECK-LABEL: func.func @transpose
// CHECK-NOT:     vector.
// CHECK:         structured.generic
func.func @transpose(%x: memref<8x8xf32>, %out: memref<8x8xf32>) {
  structured.generic {indexing_maps = [#t, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x8xf32>) outs(%out : memref<8x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    structured.yield %v : f32
  }
  return
}

// A column sum: the vector loop runs inside the reduction, in tiles of 2048 columns that an
// outer parallel loop shares out (each tile's outputs stay in cache across the rows).
// CHECK-LABEL: func.func @column_sum
// CHECK:         memref.dim %arg0, %{{.*}} : memref<?x?xf32>
// CHECK:         %[[N:.*]] = memref.dim %arg0, %{{.*}} : memref<?x?xf32>
// CHECK:         %[[TILES:.*]] = arith.ceildivsi %[[N]], %{{.*}} : index
// CHECK:         scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[TILES]])
// CHECK:           %[[LO:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK:           %[[HI:.*]] = arith.minsi %{{.*}}, %[[N]] : index
// CHECK:           scf.for %[[R:.*]] =
// CHECK:             scf.parallel (%[[J:.*]]) = (%[[LO]]) to (%{{.*}}) step
// CHECK:               vector.load %arg0[%[[R]], %[[J]]] : memref<?x?xf32>, vector<16xf32>
// CHECK:               vector.load %arg1[%[[J]]] : memref<?xf32>, vector<16xf32>
// CHECK:               vector.store
// CHECK:             scf.for %{{.*}} = %{{.*}} to %[[HI]] step
func.func @column_sum(%x: memref<?x?xf32>, %out: memref<?xf32>) {
  structured.generic {indexing_maps = [#id2, affine_map<(d0, d1) -> (d1)>],
                      iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x?xf32>) outs(%out : memref<?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.addf %acc, %v : f32
    structured.yield %r : f32
  }
  return
}
