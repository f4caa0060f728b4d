// Floating point: constants of every width, NaN and infinity, comparisons, fast-math flags.
// CALL: @consts()
// CALL: @narrow(0.1)
// CALL: @narrow(65519.0)
// CALL: @cmp(1.0, 2.0)
// CALL: @cmp(2.0, 2.0)
// CALL: @bits()
// CALL: @ops(7.5, -2.0)
// CALL: @ops(1e300, 1e-300)

llvm.func @consts() -> f64 {
  %0 = llvm.mlir.constant(1.5 : f16) : f16
  %1 = llvm.mlir.constant(-3.140625 : bf16) : bf16
  %2 = llvm.mlir.constant(0.1 : f32) : f32
  %3 = llvm.mlir.constant(-2.5e-310 : f80) : f80
  %4 = llvm.mlir.constant(1.0e300 : f128) : f128
  %5 = llvm.fpext %0 : f16 to f64
  %6 = llvm.fpext %1 : bf16 to f64
  %7 = llvm.fpext %2 : f32 to f64
  %8 = llvm.fptrunc %3 : f80 to f64
  %9 = llvm.fptrunc %4 : f128 to f64
  %10 = llvm.fadd %5, %6 : f64
  %11 = llvm.fadd %10, %7 : f64
  %12 = llvm.fadd %11, %8 : f64
  %13 = llvm.fmul %12, %9 : f64
  llvm.return %13 : f64
}

llvm.func @narrow(%a: f64) -> f64 {
  %0 = llvm.fptrunc %a : f64 to f32
  %1 = llvm.fpext %a : f64 to f80
  %2 = llvm.fpext %0 : f32 to f80
  %3 = llvm.fsub %1, %2 : f80
  %4 = llvm.fptrunc %3 : f80 to f64
  llvm.return %4 : f64
}

llvm.func @cmp(%a: f64, %b: f64) -> i64 {
  %nan = llvm.mlir.constant(0x7FF8000000000001 : f64) : f64
  %0 = llvm.fcmp "olt" %a, %b : f64
  %1 = llvm.fcmp "uno" %a, %nan : f64
  %2 = llvm.fcmp "oeq" %a, %b : f64
  %3 = llvm.fcmp "_true" %a, %b : f64
  %4 = llvm.fcmp "ord" %a, %b {fastmathFlags = #llvm.fastmath<nsz>} : f64
  %5 = llvm.zext %0 : i1 to i64
  %6 = llvm.zext %1 : i1 to i64
  %7 = llvm.zext %2 : i1 to i64
  %8 = llvm.zext %3 : i1 to i64
  %9 = llvm.zext %4 : i1 to i64
  %c2 = llvm.mlir.constant(2 : i64) : i64
  %10 = llvm.mul %6, %c2 : i64
  %11 = llvm.mul %7, %c2 : i64
  %12 = llvm.mul %11, %c2 : i64
  %13 = llvm.add %5, %10 : i64
  %14 = llvm.add %13, %12 : i64
  %15 = llvm.add %14, %8 : i64
  %16 = llvm.add %15, %9 : i64
  llvm.return %16 : i64
}

llvm.func @bits() -> i64 {
  %0 = llvm.mlir.constant(0x7FC01234 : f32) : f32
  %1 = llvm.bitcast %0 : f32 to i32
  %2 = llvm.zext %1 : i32 to i64
  %3 = llvm.mlir.constant(-0.0 : f64) : f64
  %4 = llvm.bitcast %3 : f64 to i64
  %5 = llvm.xor %2, %4 : i64
  %6 = llvm.mlir.constant(0xFFF0000000000000 : f64) : f64
  %7 = llvm.bitcast %6 : f64 to i64
  %8 = llvm.add %5, %7 : i64
  llvm.return %8 : i64
}

llvm.func @ops(%a: f64, %b: f64) -> f64 {
  %0 = llvm.frem %a, %b : f64
  %1 = llvm.fdiv %a, %b : f64
  %2 = llvm.fneg %1 : f64
  %3 = llvm.fadd %0, %2 {fastmathFlags = #llvm.fastmath<contract>} : f64
  %4 = llvm.fptrunc %3 : f64 to f32
  %5 = llvm.fmul %4, %4 : f32
  %6 = llvm.fpext %5 : f32 to f64
  llvm.return %6 : f64
}
