// Memory: stack slots, address arithmetic through structs and arrays, volatile, atomic and
// non-temporal accesses, pointers as integers, globals written and read.
// CALL: @structs(3, 4)
// CALL: @atomics(i64[10, 20, 30])
// CALL: @counter()
// CALL: @counter()
// CALL: @ptrs(i32[5, 6, 7, 8], 2)

llvm.mlir.global internal @count(0 : i64) {addr_space = 0 : i32, alignment = 8 : i64} : i64

llvm.func @structs(%i: i64, %v: i64) -> i64 {
  %one = llvm.mlir.constant(1 : i64) : i64
  %p = llvm.alloca %one x !llvm.array<4 x struct<(i32, array<3 x i64>)>> {alignment = 16 : i64} : (i64) -> !llvm.ptr
  %zero = llvm.mlir.zero : !llvm.array<4 x struct<(i32, array<3 x i64>)>>
  llvm.store %zero, %p : !llvm.array<4 x struct<(i32, array<3 x i64>)>>, !llvm.ptr
  %slot = llvm.getelementptr inbounds %p[0, %i, 1, 2] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.array<4 x struct<(i32, array<3 x i64>)>>
  llvm.store %v, %slot {alignment = 8 : i64} : i64, !llvm.ptr
  %t = llvm.trunc %v : i64 to i32
  %head = llvm.getelementptr %p[0, 1, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<4 x struct<(i32, array<3 x i64>)>>
  llvm.store volatile %t, %head : i32, !llvm.ptr
  %agg = llvm.load %p : !llvm.ptr -> !llvm.array<4 x struct<(i32, array<3 x i64>)>>
  %a = llvm.extractvalue %agg[3, 1, 2] : !llvm.array<4 x struct<(i32, array<3 x i64>)>>
  %b = llvm.extractvalue %agg[1, 0] : !llvm.array<4 x struct<(i32, array<3 x i64>)>>
  %c = llvm.sext %b : i32 to i64
  %agg2 = llvm.insertvalue %c, %agg[0, 1, 0] : !llvm.array<4 x struct<(i32, array<3 x i64>)>>
  %d = llvm.extractvalue %agg2[0, 1, 0] : !llvm.array<4 x struct<(i32, array<3 x i64>)>>
  %s = llvm.add %a, %d : i64
  llvm.return %s : i64
}

llvm.func @atomics(%p: !llvm.ptr) -> i64 {
  %0 = llvm.load %p atomic seq_cst {alignment = 8 : i64} : !llvm.ptr -> i64
  %q = llvm.getelementptr %p[1] : (!llvm.ptr) -> !llvm.ptr, i64
  %1 = llvm.load volatile %q : !llvm.ptr -> i64
  %r = llvm.getelementptr %p[2] : (!llvm.ptr) -> !llvm.ptr, i64
  %2 = llvm.load %r {nontemporal} : !llvm.ptr -> i64
  %3 = llvm.add %0, %1 : i64
  %4 = llvm.add %3, %2 : i64
  llvm.store %4, %p atomic release {alignment = 8 : i64} : i64, !llvm.ptr
  llvm.store %3, %r {nontemporal} : i64, !llvm.ptr
  llvm.return %4 : i64
}

llvm.func @counter() -> i64 {
  %g = llvm.mlir.addressof @count : !llvm.ptr
  %0 = llvm.load %g : !llvm.ptr -> i64
  %1 = llvm.mlir.constant(5 : i64) : i64
  %2 = llvm.add %0, %1 : i64
  llvm.store %2, %g : i64, !llvm.ptr
  llvm.return %2 : i64
}

llvm.func @ptrs(%p: !llvm.ptr, %i: i64) -> i64 {
  %0 = llvm.ptrtoint %p : !llvm.ptr to i64
  %c4 = llvm.mlir.constant(4 : i64) : i64
  %off = llvm.mul %i, %c4 : i64
  %1 = llvm.add %0, %off : i64
  %q = llvm.inttoptr %1 : i64 to !llvm.ptr
  %v = llvm.load %q : !llvm.ptr -> i32
  %n = llvm.mlir.zero : !llvm.ptr
  %isnull = llvm.icmp "eq" %q, %n : !llvm.ptr
  %w = llvm.sext %v : i32 to i64
  %z = llvm.zext %isnull : i1 to i64
  %r = llvm.add %w, %z : i64
  %neg = llvm.sub %z, %w : i64
  %v2 = llvm.trunc %neg : i64 to i32
  llvm.store %v2, %p : i32, !llvm.ptr
  llvm.return %r : i64
}
