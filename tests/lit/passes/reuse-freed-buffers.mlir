// RUN: lamina-opt %s --pass-pipeline='builtin.module(func.func(reuse-freed-buffers))' | FileCheck %s

// A buffer freed before an allocation of its type in the same block serves that allocation:
// one malloc and one free instead of two each (the larger alignment is kept).
// CHECK-LABEL: func.func @chain
// CHECK:         %[[A:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
// CHECK:         memref.store %{{.*}}, %[[A]]
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.dealloc %[[A]]
// CHECK:         memref.store %{{.*}}, %[[A]]
// CHECK:         memref.dealloc %[[A]]
// CHECK-NOT:     memref.dealloc
// CHECK:         return
func.func @chain(%x: f32, %i: index) {
  %a = memref.alloc() : memref<64xf32>
  memref.store %x, %a[%i] : memref<64xf32>
  memref.dealloc %a : memref<64xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
  memref.store %x, %b[%i] : memref<64xf32>
  memref.dealloc %b : memref<64xf32>
  return
}

// An allocation before the free, one of another type, and one after a free of a buffer
// allocated in another block do not.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-4: memref.alloc
// CHECK-NOT:     memref.alloc
func.func @kept(%c: i1) {
  %a = memref.alloc() : memref<64xf32>
  %b = memref.alloc() : memref<64xf32>
  memref.dealloc %a : memref<64xf32>
  %d = memref.alloc() : memref<32xf32>
  scf.if %c {
    memref.dealloc %b : memref<64xf32>
    %e = memref.alloc() : memref<64xf32>
    memref.dealloc %e : memref<64xf32>
  }
  memref.dealloc %d : memref<32xf32>
  return
}
