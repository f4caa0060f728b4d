// RUN: lamina-opt %s --convert-gpu-to-nvvm | FileCheck %s

// Kernels become llvm.funcs marked nvvm.kernel, memref arguments expanded into descriptor
// fields; ids read special registers; workgroup buffers become shared-memory globals
// (address space 3); shuffles become nvvm.shfl.sync, 64-bit ones as two 32-bit halves;
// transcendental math becomes arithmetic (no llvm.intr.exp reaches NVPTX).
// CHECK-LABEL: gpu.module @kernels
// CHECK: llvm.mlir.global internal @__wg_k_0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<32 x f64>
// CHECK: llvm.func @k(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64) attributes {nvvm.kernel}
// CHECK: llvm.mlir.addressof @__wg_k_0 : !llvm.ptr<3>
// CHECK: llvm.addrspacecast
// CHECK: nvvm.read.ptx.sreg.tid.x : i32
// CHECK: nvvm.barrier0
// CHECK: nvvm.shfl.sync bfly {{.*}} : i32 -> i32
// CHECK: nvvm.shfl.sync bfly {{.*}} : i32 -> i32
// CHECK-NOT: llvm.intr.exp
// CHECK: llvm.return
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%a: memref<?xf64>) workgroup(%s : memref<32xf64, #gpu.address_space<workgroup>>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<?xf64>
      %e = math.exp %v : f64
      memref.store %e, %s[%t] : memref<32xf64, #gpu.address_space<workgroup>>
      gpu.barrier
      %w = memref.load %s[%t] : memref<32xf64, #gpu.address_space<workgroup>>
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      %r, %ok = gpu.shuffle xor %w, %c1, %c32 : f64
      memref.store %r, %a[%t] : memref<?xf64>
      gpu.return
    }
  }
}
