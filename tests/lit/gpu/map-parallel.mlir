// RUN: lamina-opt %s --convert-parallel-loops-to-gpu --gpu-kernel-outlining | FileCheck %s

// An elementwise loop: one thread per element, 256 per block, outlined into a kernel.
// CHECK-LABEL: func.func @scale
// CHECK: gpu.launch_func @scale_kernel::@scale_kernel blocks in
// CHECK: gpu.module @scale_kernel
// CHECK: gpu.func @scale_kernel({{.*}}) kernel
// CHECK: gpu.block_id x
// CHECK: gpu.thread_id x
// CHECK: gpu.block_dim x
// CHECK: arith.cmpi ult
// CHECK: scf.if
// CHECK: arith.mulf
// CHECK: gpu.return
func.func @scale(%a: memref<?xf32>, %b: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf32>
    %y = arith.mulf %x, %x : f32
    memref.store %y, %b[%i] : memref<?xf32>
  }
  return
}
