// RUN: lamina-opt %s --pass-pipeline='builtin.module(func.func(promote-buffers-to-stack))' | FileCheck %s

// A small static buffer freed in its own block moves to the stack, at the function's entry,
// even from inside a loop body (one slot serves every iteration).
// CHECK-LABEL: func.func @in_loop
// CHECK-NEXT:    %[[S:.*]] = memref.alloca() : memref<i1>
// CHECK:         scf.for
// CHECK-NOT:       memref.alloc()
// CHECK:           memref.store %{{.*}}, %[[S]][] : memref<i1>
// CHECK-NOT:       memref.dealloc
// CHECK:         return
func.func @in_loop(%n: index, %x: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %b = memref.alloc() : memref<i1>
    memref.store %x, %b[] : memref<i1>
    memref.dealloc %b : memref<i1>
  }
  return
}

// The alignment is kept.
// CHECK-LABEL: func.func @aligned
// CHECK-NEXT:    memref.alloca() {alignment = 64 : i64} : memref<16xf32>
func.func @aligned() {
  %b = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  memref.dealloc %b : memref<16xf32>
  return
}

// A buffer that outlives its block (yielded, returned), one that is too large, one of dynamic
// size, and one in a parallel loop (whose iterations may run at once) stay on the heap.
// CHECK-LABEL: func.func @stay
// CHECK-NOT:     memref.alloca
// CHECK:         return
func.func @stay(%n: index) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = memref.alloc() : memref<4xf32>
  %big = memref.alloc() : memref<1024xf32>
  memref.dealloc %big : memref<1024xf32>
  %dyn = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %dyn : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %p = memref.alloc() : memref<f32>
    memref.dealloc %p : memref<f32>
  }
  return %r : memref<4xf32>
}
