// A file at the llvm level (as mlir-opt's convert-to-llvm leaves it) runs as it is: the entry
// is called with its C signature, the runner utilities' declarations resolve to lamina's.
// RUN: lamina-run %s -e main -entry-point-result=i32 | FileCheck %s

// CHECK: 0, 1, 4, 9, 16,
// CHECK-NEXT: Unranked Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [3] strides = [1] data =
// CHECK-NEXT: [1.5,  1.5,  1.5]
// CHECK-NEXT: 30
llvm.func @printI64(i64)
llvm.func @printComma()
llvm.func @printNewline()
llvm.func @printMemrefF32(i64, !llvm.ptr)
llvm.func @malloc(i64) -> !llvm.ptr
llvm.func @free(!llvm.ptr)

llvm.func @main() -> i32 {
  %zero = llvm.mlir.constant(0 : i64) : i64
  %one = llvm.mlir.constant(1 : i64) : i64
  %five = llvm.mlir.constant(5 : i64) : i64
  llvm.br ^loop(%zero, %zero : i64, i64)
^loop(%i: i64, %sum: i64):
  %more = llvm.icmp "slt" %i, %five : i64
  llvm.cond_br %more, ^body, ^done
^body:
  %sq = llvm.mul %i, %i : i64
  llvm.call @printI64(%sq) : (i64) -> ()
  llvm.call @printComma() : () -> ()
  %next = llvm.add %i, %one : i64
  %s = llvm.add %sum, %sq : i64
  llvm.br ^loop(%next, %s : i64, i64)
^done:
  llvm.call @printNewline() : () -> ()
  // a memref<3xf32> descriptor around a malloc'ed buffer, printed through its unranked form
  %three = llvm.mlir.constant(3 : i64) : i64
  %bytes = llvm.mlir.constant(12 : i64) : i64
  %buf = llvm.call @malloc(%bytes) : (i64) -> !llvm.ptr
  %x = llvm.mlir.constant(1.5 : f32) : f32
  llvm.store %x, %buf : f32, !llvm.ptr
  %p1 = llvm.getelementptr %buf[1] : (!llvm.ptr) -> !llvm.ptr, f32
  llvm.store %x, %p1 : f32, !llvm.ptr
  %p2 = llvm.getelementptr %buf[2] : (!llvm.ptr) -> !llvm.ptr, f32
  llvm.store %x, %p2 : f32, !llvm.ptr
  %d0 = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
  %d1 = llvm.insertvalue %buf, %d0[0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
  %d2 = llvm.insertvalue %buf, %d1[1] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
  %d3 = llvm.insertvalue %zero, %d2[2] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
  %d4 = llvm.insertvalue %three, %d3[3, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
  %d5 = llvm.insertvalue %one, %d4[4, 0] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
  %slot = llvm.alloca %one x !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> : (i64) -> !llvm.ptr
  llvm.store %d5, %slot : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>, !llvm.ptr
  llvm.call @printMemrefF32(%one, %slot) : (i64, !llvm.ptr) -> ()
  llvm.call @free(%buf) : (!llvm.ptr) -> ()
  %r = llvm.trunc %sum : i64 to i32
  llvm.return %r : i32
}
