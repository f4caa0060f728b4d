// RUN: lamina-opt %s --outline-parallel-loops | FileCheck %s
// RUN: lamina-opt %s -p 'builtin.module(outline-parallel-loops,convert-loops-to-llvm,convert-parallel-calls)' | FileCheck %s --check-prefix=LLVM

// The outermost parallel loop moves into its own function, run over iterations
// [begin, end) of its first dimension; the loop becomes a call over all of them. Its cost is
// the ops of one iteration of that dimension: 4 per inner iteration (the terminator too),
// times 100.
// CHECK-LABEL: func.func @scale
// CHECK:         %[[T:.*]] = arith.ceildivsi
// CHECK:         %[[TRIPS:.*]] = arith.maxsi %[[T]], %{{.*}} : index
// CHECK:         func.call @scale__parallel0(%{{.*}}, %[[TRIPS]], %[[N:.*]], %arg0, %arg2, %arg1) : (index, index, index, memref<?x100xf32>, f32, memref<?x100xf32>) -> ()
// CHECK-NOT:     scf.parallel
// CHECK:         return
// CHECK:       func.func private @scale__parallel0(%[[B:.*]]: index, %[[E:.*]]: index, %[[UB:.*]]: index, %[[X:.*]]: memref<?x100xf32>, %[[A:.*]]: f32, %[[Y:.*]]: memref<?x100xf32>) attributes {lamina.parallel_body = 400 : i64}
// CHECK:         %[[LO:.*]] = arith.addi
// CHECK:         %[[HI:.*]] = arith.minsi %{{.*}}, %[[UB]] : index
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%[[LO]], %{{.*}}) to (%[[HI]], %{{.*}})
// CHECK:           memref.load %[[X]]
// CHECK:           arith.mulf %{{.*}}, %[[A]]
// CHECK:           memref.store %{{.*}}, %[[Y]]

// At the llvm level the call goes through the runtime, which splits [begin, end) across the
// cores; the captured values travel in a struct on the caller's stack, unpacked by a thunk.
// LLVM-LABEL: llvm.func @scale(
// LLVM:         %[[CTX:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(i64, ptr, ptr, i64, i64, i64, i64, i64, f32, ptr, ptr, i64, i64, i64, i64, i64)>
// LLVM:         llvm.store %{{.*}}, %[[CTX]]
// LLVM:         %[[FN:.*]] = llvm.mlir.addressof @scale__parallel0__thunk
// LLVM:         llvm.call @__lamina_parallel_for(%[[FN]], %[[CTX]], %{{.*}}, %{{.*}}, %{{.*}})
// LLVM:       llvm.func private @scale__parallel0(
// LLVM:       llvm.func private @scale__parallel0__thunk(%[[C:.*]]: !llvm.ptr, %[[B:.*]]: i64, %[[E:.*]]: i64)
// LLVM:         llvm.load %[[C]]
// LLVM:         llvm.call @scale__parallel0(%[[B]], %[[E]],
// LLVM:       llvm.func @__lamina_parallel_for(!llvm.ptr, !llvm.ptr, i64, i64, i64)
func.func @scale(%x: memref<?x100xf32>, %y: memref<?x100xf32>, %a: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %n = memref.dim %x, %c0 : memref<?x100xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c100) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<?x100xf32>
    %w = arith.mulf %v, %a : f32
    memref.store %w, %y[%i, %j] : memref<?x100xf32>
  }
  return
}
