// RUN: lamina-opt %s --convert-parallel-loops-to-gpu | FileCheck %s

// C += A B: 64x64 tiles of C per block of 16x16 threads; slices of A and B 16 deep in
// shared memory, each thread accumulating 4x4 outputs.
// CHECK-LABEL: func.func @mm
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in ({{.*}}) workgroup(%[[AS:.*]] : memref<16x64xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<16x64xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} iter_args
// CHECK: memref.store {{.*}}, %[[AS]]
// CHECK: memref.store {{.*}}, %[[BS]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK-COUNT-16: arith.mulf
// CHECK: gpu.barrier
// CHECK-COUNT-16: memref.store {{.*}} : memref<?x?xf32>
func.func @mm(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf32>
  %k = memref.dim %a, %c1 : memref<?x?xf32>
  %n = memref.dim %b, %c1 : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
    scf.for %p = %c0 to %k step %c1 {
      %x = memref.load %a[%i, %p] : memref<?x?xf32>
      %y = memref.load %b[%p, %j] : memref<?x?xf32>
      %acc = memref.load %c[%i, %j] : memref<?x?xf32>
      %xy = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %xy : f32
      memref.store %s, %c[%i, %j] : memref<?x?xf32>
    }
  }
  return
}
