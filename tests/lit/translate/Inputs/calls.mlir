// Calls: direct, through a function pointer, variadic, recursive, with a calling convention
// and a tail-call marker; declarations of C library functions.
// CALL: @fact(10)
// CALL: @fact(0)
// CALL: @indirect(7)
// CALL: @format(i8[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 42, 2.5)
// CALL: @twice(21)

llvm.func @snprintf(!llvm.ptr, i64, !llvm.ptr, ...) -> i32
llvm.mlir.global private unnamed_addr constant @fmt("[%ld|%.3f]\00") {addr_space = 0 : i32}

llvm.func @fact(%n: i64) -> i64 {
  %0 = llvm.mlir.constant(0 : i64) : i64
  %1 = llvm.mlir.constant(1 : i64) : i64
  %z = llvm.icmp "eq" %n, %0 : i64
  llvm.cond_br %z, ^base, ^rec
^base:
  llvm.return %1 : i64
^rec:
  %m = llvm.sub %n, %1 : i64
  %r = llvm.call @fact(%m) : (i64) -> i64
  %p = llvm.mul %n, %r : i64
  llvm.return %p : i64
}

llvm.func internal fastcc @inc(%x: i64 {llvm.noundef}) -> (i64 {llvm.noundef}) attributes {no_unwind} {
  %1 = llvm.mlir.constant(1 : i64) : i64
  %y = llvm.add %x, %1 : i64
  llvm.return %y : i64
}

llvm.func @indirect(%x: i64) -> i64 {
  %f = llvm.mlir.addressof @inc : !llvm.ptr
  %y = llvm.call fastcc %f(%x) : !llvm.ptr, (i64) -> i64
  %z = llvm.call fastcc tail @inc(%y) {no_unwind} : (i64) -> i64
  llvm.return %z : i64
}

llvm.func @format(%buf: !llvm.ptr, %a: i64, %b: f64) -> i32 {
  %fmt = llvm.mlir.addressof @fmt : !llvm.ptr
  %n = llvm.mlir.constant(24 : i64) : i64
  %r = llvm.call @snprintf(%buf, %n, %fmt, %a, %b) vararg(!llvm.func<i32 (ptr, i64, ptr, ...)>) : (!llvm.ptr, i64, !llvm.ptr, i64, f64) -> i32
  llvm.return %r : i32
}

llvm.func @twice(%x: i32) -> i32 attributes {passthrough = ["noinline", ["frame-pointer", "all"]]} {
  %y = llvm.add %x, %x : i32
  llvm.return %y : i32
}
