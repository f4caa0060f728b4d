// Globals: dense nested arrays (a memref<2x3xf32> global), strings, initializer regions,
// linkages, a global holding another's address.
// CALL: @at(0, 0)
// CALL: @at(1, 2)
// CALL: @sum()
// CALL: @deref()

llvm.mlir.global private constant @table(dense<[[1.0, 2.5, -3.0], [4.0, 5.0, 6.125]]> : tensor<2x3xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<2 x array<3 x f32>>
llvm.mlir.global internal constant @ints(dense<[100000, -7, 3]> : tensor<3xi64>) {addr_space = 0 : i32} : !llvm.array<3 x i64>
llvm.mlir.global internal @zeros() {addr_space = 0 : i32} : !llvm.array<5 x i64> {
  %0 = llvm.mlir.zero : !llvm.array<5 x i64>
  llvm.return %0 : !llvm.array<5 x i64>
}
llvm.mlir.global external @answer(42 : i32) {addr_space = 0 : i32} : i32
llvm.mlir.global internal constant @ref() {addr_space = 0 : i32} : !llvm.ptr {
  %0 = llvm.mlir.addressof @answer : !llvm.ptr
  llvm.return %0 : !llvm.ptr
}
llvm.mlir.global weak @"odd name"(7 : i16) {addr_space = 0 : i32} : i16

llvm.func @at(%i: i64, %j: i64) -> f32 {
  %g = llvm.mlir.addressof @table : !llvm.ptr
  %p = llvm.getelementptr inbounds|nuw %g[0, %i, %j] : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<2 x array<3 x f32>>
  %v = llvm.load %p {alignment = 4 : i64} : !llvm.ptr -> f32
  llvm.return %v : f32
}

llvm.func @sum() -> i64 {
  %g = llvm.mlir.addressof @ints : !llvm.ptr
  %a = llvm.load %g : !llvm.ptr -> !llvm.array<3 x i64>
  %0 = llvm.extractvalue %a[0] : !llvm.array<3 x i64> 
  %1 = llvm.extractvalue %a[1] : !llvm.array<3 x i64> 
  %2 = llvm.extractvalue %a[2] : !llvm.array<3 x i64> 
  %z = llvm.mlir.addressof @zeros : !llvm.ptr
  %q = llvm.getelementptr %z[4] : (!llvm.ptr) -> !llvm.ptr, i64
  %3 = llvm.load %q : !llvm.ptr -> i64
  %s0 = llvm.add %0, %1 : i64
  %s1 = llvm.add %s0, %2 : i64
  %s2 = llvm.add %s1, %3 : i64
  %o = llvm.mlir.addressof @"odd name" : !llvm.ptr
  %4 = llvm.load %o : !llvm.ptr -> i16
  %5 = llvm.sext %4 : i16 to i64
  %s3 = llvm.mul %s2, %5 : i64
  llvm.return %s3 : i64
}

llvm.func @deref() -> i32 {
  %r = llvm.mlir.addressof @ref : !llvm.ptr
  %p = llvm.load %r : !llvm.ptr -> !llvm.ptr
  %v = llvm.load %p : !llvm.ptr -> i32
  llvm.return %v : i32
}
