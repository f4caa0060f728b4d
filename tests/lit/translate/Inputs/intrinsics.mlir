// Intrinsics: overloaded names (`llvm.fma.f64`, `llvm.smax.i32`, `llvm.vector.reduce.fadd.v4f32`,
// `llvm.memcpy.p0.p0.i64`), immediate arguments, fast-math flags on intrinsic calls.
// CALL: @fp(1.5, -2.25, 0.5)
// CALL: @fp(100.0, 3.0, -7.0)
// CALL: @ints(-123456, 77)
// CALL: @ints(0, 1)
// CALL: @counts(1, 64)
// CALL: @counts(4096, 3)
// CALL: @reduce(f32[1.5, 2.5, -4.0, 8.25], i32[3, -9, 12, 5])
// CALL: @mem(i8[1, 2, 3, 4, 5, 6, 7, 8], 3)
// CALL: @masked(f32[1.0, 2.0, 3.0, 4.0], f32[0.0, 0.0, 0.0, 0.0])

llvm.func @fp(%a: f64, %b: f64, %c: f64) -> f64 {
  %0 = llvm.intr.fma(%a, %b, %c) : (f64, f64, f64) -> f64
  %1 = llvm.intr.fmuladd(%a, %b, %c) : (f64, f64, f64) -> f64
  %2 = llvm.intr.fabs(%0) : (f64) -> f64
  %3 = llvm.intr.sqrt(%2) : (f64) -> f64
  %4 = llvm.intr.maxnum(%3, %1) : (f64, f64) -> f64
  %5 = llvm.intr.minimum(%4, %a) : (f64, f64) -> f64
  %6 = llvm.intr.copysign(%5, %b) : (f64, f64) -> f64
  %7 = llvm.intr.floor(%6) : (f64) -> f64
  %8 = llvm.intr.ceil(%3) : (f64) -> f64
  %9 = llvm.intr.round(%1) : (f64) -> f64
  %10 = llvm.intr.exp(%c) : (f64) -> f64
  %11 = llvm.intr.log(%2) {fastmathFlags = #llvm.fastmath<afn>} : (f64) -> f64
  %12 = llvm.intr.pow(%2, %c) : (f64, f64) -> f64
  %i = llvm.mlir.constant(3 : i32) : i32
  %13 = llvm.intr.powi(%a, %i) : (f64, i32) -> f64
  %14 = llvm.intr.tanh(%c) : (f64) -> f64
  %15 = llvm.intr.trunc(%b) : (f64) -> f64
  %s0 = llvm.fadd %7, %8 : f64
  %s1 = llvm.fadd %s0, %9 : f64
  %s2 = llvm.fadd %s1, %10 : f64
  %s3 = llvm.fadd %s2, %11 : f64
  %s4 = llvm.fadd %s3, %12 : f64
  %s5 = llvm.fadd %s4, %13 : f64
  %s6 = llvm.fadd %s5, %14 : f64
  %s7 = llvm.fadd %s6, %15 : f64
  llvm.return %s7 : f64
}

llvm.func @ints(%a: i32, %b: i32) -> i32 {
  %0 = llvm.intr.smax(%a, %b) : (i32, i32) -> i32
  %1 = llvm.intr.umin(%a, %b) : (i32, i32) -> i32
  %2 = "llvm.intr.abs"(%a) <{is_int_min_poison = false}> : (i32) -> i32
  %3 = llvm.intr.bswap(%0) : (i32) -> i32
  %4 = llvm.intr.bitreverse(%1) : (i32) -> i32
  %5 = llvm.xor %2, %3 : i32
  %6 = llvm.xor %5, %4 : i32
  llvm.return %6 : i32
}

llvm.func @counts(%a: i64, %b: i64) -> i64 {
  %0 = llvm.intr.ctpop(%a) : (i64) -> i64
  %1 = "llvm.intr.ctlz"(%a) <{is_zero_poison = false}> : (i64) -> i64
  %2 = "llvm.intr.cttz"(%b) <{is_zero_poison = true}> : (i64) -> i64
  %3 = llvm.add %0, %1 : i64
  %c = llvm.mlir.constant(100 : i64) : i64
  %4 = llvm.mul %2, %c : i64
  %5 = llvm.add %3, %4 : i64
  llvm.return %5 : i64
}

llvm.func @reduce(%p: !llvm.ptr, %q: !llvm.ptr) -> f32 {
  %v = llvm.load %p {alignment = 4 : i64} : !llvm.ptr -> vector<4xf32>
  %w = llvm.load %q {alignment = 4 : i64} : !llvm.ptr -> vector<4xi32>
  %zero = llvm.mlir.constant(0.5 : f32) : f32
  %0 = "llvm.intr.vector.reduce.fadd"(%zero, %v) <{fastmathFlags = #llvm.fastmath<none>}> : (f32, vector<4xf32>) -> f32
  %1 = llvm.intr.vector.reduce.fmax(%v) : (vector<4xf32>) -> f32
  %2 = "llvm.intr.vector.reduce.smax"(%w) : (vector<4xi32>) -> i32
  %3 = "llvm.intr.vector.reduce.add"(%w) : (vector<4xi32>) -> i32
  %4 = llvm.mul %2, %3 : i32
  %5 = llvm.sitofp %4 : i32 to f32
  %6 = llvm.fadd %0, %1 : f32
  %7 = llvm.fadd %6, %5 : f32
  llvm.return %7 : f32
}

llvm.func @mem(%p: !llvm.ptr, %n: i64) -> i64 {
  %one = llvm.mlir.constant(1 : i64) : i64
  %buf = llvm.alloca %one x !llvm.array<8 x i8> {alignment = 8 : i64} : (i64) -> !llvm.ptr
  %c8 = llvm.mlir.constant(8 : i64) : i64
  "llvm.intr.memcpy"(%buf, %p, %c8) <{isVolatile = false}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
  %x = llvm.mlir.constant(-1 : i8) : i8
  "llvm.intr.memset"(%p, %x, %n) <{isVolatile = false}> : (!llvm.ptr, i8, i64) -> ()
  %src = llvm.getelementptr %buf[%n] : (!llvm.ptr, i64) -> !llvm.ptr, i8
  "llvm.intr.memmove"(%buf, %src, %n) <{isVolatile = false}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
  %r = llvm.load %buf : !llvm.ptr -> i64
  %sp = llvm.intr.stacksave : !llvm.ptr
  llvm.intr.stackrestore %sp : !llvm.ptr
  llvm.return %r : i64
}

llvm.func @masked(%p: !llvm.ptr, %q: !llvm.ptr) {
  %m = llvm.mlir.constant(dense<[true, false, true, false]> : vector<4xi1>) : vector<4xi1>
  %pass = llvm.mlir.constant(dense<-1.0> : vector<4xf32>) : vector<4xf32>
  %0 = llvm.intr.masked.load %p, %m, %pass {alignment = 4 : i32} : (!llvm.ptr, vector<4xi1>, vector<4xf32>) -> vector<4xf32>
  %n = llvm.mlir.constant(dense<[false, true, true, true]> : vector<4xi1>) : vector<4xi1>
  llvm.intr.masked.store %0, %q, %n {alignment = 4 : i32} : vector<4xf32>, vector<4xi1> into !llvm.ptr
  llvm.return
}
