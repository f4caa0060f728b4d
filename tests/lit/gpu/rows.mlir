// RUN: lamina-opt %s --convert-parallel-loops-to-gpu | FileCheck %s

// Few outputs, long rows: one block per output row.
// CHECK-LABEL: func.func @row_max
// CHECK: gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %{{.*}}, {{.*}} workgroup(
// CHECK: 0xFF800000 : f32
// CHECK: scf.for
// CHECK: arith.maximumf
// CHECK: gpu.shuffle xor
// CHECK: arith.maximumf
// Many outputs, short rows: one thread per output, the reduction loop in the thread.
// CHECK-LABEL: func.func @col_sum
// CHECK: gpu.launch
// CHECK-NOT: gpu.shuffle
// CHECK: scf.for
// CHECK: gpu.terminator
func.func @row_max(%a: memref<8x1000xf32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c1000 = arith.constant 1000 : index
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %j = %c0 to %c1000 step %c1 {
      %x = memref.load %a[%i, %j] : memref<8x1000xf32>
      %acc = memref.load %out[%i] : memref<8xf32>
      %m = arith.maximumf %acc, %x : f32
      memref.store %m, %out[%i] : memref<8xf32>
    }
  }
  return
}
func.func @col_sum(%a: memref<4x10000xf32>, %out: memref<10000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c10000 = arith.constant 10000 : index
  scf.parallel (%j) = (%c0) to (%c10000) step (%c1) {
    scf.for %i = %c0 to %c4 step %c1 {
      %x = memref.load %a[%i, %j] : memref<4x10000xf32>
      %acc = memref.load %out[%j] : memref<10000xf32>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %out[%j] : memref<10000xf32>
    }
  }
  return
}
