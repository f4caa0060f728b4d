// RUN: lamina-opt %s --convert-parallel-loops-to-gpu | FileCheck %s

// A full reduction: a grid of blocks (each thread folding a strided share, the block
// combining through a shared-memory tree and warp shuffles) writes one partial per block;
// a one-block kernel combines the partials into the output.
// CHECK-LABEL: func.func @sum
// CHECK: arith.minui
// CHECK: %[[P:.*]] = memref.alloc(%[[G:.*]]) : memref<?xf32>
// CHECK: gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[G]], {{.*}} workgroup(%{{.*}} : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} iter_args
// CHECK: gpu.barrier
// CHECK: gpu.shuffle xor
// CHECK: memref.store %{{.*}}, %[[P]][%[[B]]] : memref<?xf32>
// CHECK: gpu.launch
// CHECK: memref.load %[[P]]
// CHECK: gpu.shuffle xor
// CHECK: memref.load %{{.*}}[] : memref<f32>
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}, %{{.*}}[] : memref<f32>
// CHECK: memref.dealloc %[[P]]
func.func @sum(%a: memref<?xf32>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xf32>
    %acc = memref.load %out[] : memref<f32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %out[] : memref<f32>
  }
  return
}
