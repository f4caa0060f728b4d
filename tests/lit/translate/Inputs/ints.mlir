// Integer arithmetic with its flags, casts between widths, odd and wide integer types.
// CALL: @arith(100, 7)
// CALL: @arith(-100, 7)
// CALL: @arith(-9223372036854775807, -3)
// CALL: @shifts(-1000, 3)
// CALL: @shifts(123456789, 40)
// CALL: @casts(-2)
// CALL: @casts(300)
// CALL: @odd(100, 27)
// CALL: @odd(-1, 5)
// CALL: @wide(9223372036854775807, 9223372036854775807)
// CALL: @wide(-5, 3)
// CALL: @bools(1, 0)
// CALL: @bools(1, 1)
// CALL: @select_min(4, -9)

llvm.func @arith(%a: i64, %b: i64) -> i64 {
  %0 = llvm.sdiv %a, %b : i64
  %1 = llvm.srem %a, %b : i64
  %2 = llvm.udiv %a, %b : i64
  %3 = llvm.urem %a, %b : i64
  %4 = llvm.mul %0, %1 overflow<nsw> : i64
  %5 = llvm.sub %4, %2 : i64
  %6 = llvm.xor %5, %3 : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %s = llvm.shl %6, %c1 : i64
  %7 = llvm.or disjoint %s, %c1 : i64
  %8 = llvm.and %7, %a : i64
  %9 = llvm.add %8, %1 : i64
  llvm.return %9 : i64
}

llvm.func @shifts(%a: i64, %s: i64) -> i64 {
  %0 = llvm.ashr %a, %s : i64
  %1 = llvm.lshr %a, %s : i64
  %2 = llvm.shl %a, %s : i64
  %3 = llvm.xor %0, %1 : i64
  %4 = llvm.xor %3, %2 : i64
  llvm.return %4 : i64
}

llvm.func @casts(%a: i64) -> i64 {
  %0 = llvm.trunc %a : i64 to i8
  %1 = llvm.sext %0 : i8 to i32
  %2 = llvm.zext %0 : i8 to i32
  %t = llvm.trunc %a : i64 to i16
  %m = llvm.mlir.constant(32767 : i16) : i16
  %3 = llvm.and %t, %m : i16
  %4 = llvm.zext nneg %3 : i16 to i64
  %5 = llvm.mul %1, %2 : i32
  %6 = llvm.sext %5 : i32 to i64
  %7 = llvm.add %6, %4 : i64
  %8 = llvm.sitofp %7 : i64 to f64
  %9 = llvm.uitofp %2 : i32 to f32
  %10 = llvm.fpext %9 : f32 to f64
  %11 = llvm.fadd %8, %10 : f64
  %12 = llvm.fptosi %11 : f64 to i64
  llvm.return %12 : i64
}

llvm.func @odd(%a: i64, %b: i64) -> i64 {
  %0 = llvm.trunc %a : i64 to i7
  %1 = llvm.trunc %b : i64 to i7
  %2 = llvm.mul %0, %1 : i7
  %3 = llvm.mlir.constant(100 : i7) : i7
  %4 = llvm.add %2, %3 : i7
  %5 = llvm.sext %4 : i7 to i64
  llvm.return %5 : i64
}

llvm.func @wide(%a: i64, %b: i64) -> i64 {
  %0 = llvm.sext %a : i64 to i128
  %1 = llvm.sext %b : i64 to i128
  %2 = llvm.mul %0, %1 : i128
  %3 = llvm.mlir.constant(170141183460469231731687303715884105727 : i128) : i128
  %4 = llvm.and %2, %3 : i128
  %5 = llvm.mlir.constant(64 : i128) : i128
  %6 = llvm.lshr %4, %5 : i128
  %7 = llvm.trunc %6 : i128 to i64
  %8 = llvm.trunc %2 : i128 to i64
  %9 = llvm.xor %7, %8 : i64
  llvm.return %9 : i64
}

llvm.func @bools(%a: i1, %b: i1) -> i32 {
  %0 = llvm.and %a, %b : i1
  %1 = llvm.mlir.constant(true) : i1
  %2 = llvm.xor %0, %1 : i1
  %3 = llvm.zext %2 : i1 to i32
  %4 = llvm.sext %a : i1 to i32
  %5 = llvm.add %3, %4 : i32
  llvm.return %5 : i32
}

llvm.func @select_min(%a: i64, %b: i64) -> i64 {
  %0 = llvm.icmp "slt" %a, %b : i64
  %1 = llvm.select %0, %a, %b : i1, i64
  %2 = llvm.icmp "ult" %a, %b : i64
  %3 = llvm.select %2, %a, %b : i1, i64
  %4 = llvm.sub %1, %3 : i64
  %5 = llvm.freeze %4 : i64
  llvm.return %5 : i64
}
