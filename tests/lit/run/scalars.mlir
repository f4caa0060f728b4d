// Scalar arithmetic, printed by the runner utilities as mlir-runner prints it: integers in
// decimal (printI64 signed, printU64 unsigned), floats as C's `%g`.
// RUN: lamina-run %s -e main -entry-point-result=void | FileCheck %s

func.func private @printI64(i64)
func.func private @printU64(i64)
func.func private @printF32(f32)
func.func private @printF64(f64)
func.func private @printNewline()
func.func private @printComma()
func.func private @printOpen()
func.func private @printClose()

func.func @main() {
  %a = arith.constant 7 : i64
  %b = arith.constant -3 : i64
  // CHECK: 4, -21, -2, 1, -1, 18446744073709551613
  %s = arith.addi %a, %b : i64
  call @printI64(%s) : (i64) -> ()
  call @printComma() : () -> ()
  %v = arith.muli %a, %b : i64
  call @printI64(%v) : (i64) -> ()
  call @printComma() : () -> ()
  %d = arith.divsi %a, %b : i64
  call @printI64(%d) : (i64) -> ()
  call @printComma() : () -> ()
  %rem = arith.remsi %a, %b : i64
  call @printI64(%rem) : (i64) -> ()
  call @printComma() : () -> ()
  %fl = arith.floordivsi %b, %a : i64
  call @printI64(%fl) : (i64) -> ()
  call @printComma() : () -> ()
  call @printU64(%b) : (i64) -> ()
  call @printNewline() : () -> ()
  // CHECK-NEXT: ( 1.5, 0.333333, 1e+20, -0, 3.40282e+38, inf, 1e-07 )
  %x = arith.constant 1.5 : f32
  %y = arith.constant 3.0 : f32
  %one = arith.constant 1.0 : f32
  %big = arith.constant 1.0e20 : f32
  %nz = arith.constant -0.0 : f32
  %max = arith.constant 3.4028235e38 : f32
  %small = arith.constant 1.0e-7 : f32
  %third = arith.divf %one, %y : f32
  %inf = arith.mulf %max, %y : f32
  call @printOpen() : () -> ()
  call @printF32(%x) : (f32) -> ()
  call @printComma() : () -> ()
  call @printF32(%third) : (f32) -> ()
  call @printComma() : () -> ()
  call @printF32(%big) : (f32) -> ()
  call @printComma() : () -> ()
  call @printF32(%nz) : (f32) -> ()
  call @printComma() : () -> ()
  call @printF32(%max) : (f32) -> ()
  call @printComma() : () -> ()
  call @printF32(%inf) : (f32) -> ()
  call @printComma() : () -> ()
  call @printF32(%small) : (f32) -> ()
  call @printClose() : () -> ()
  call @printNewline() : () -> ()
  // CHECK-NEXT: 0.1, 123457, 1.23457e+06, 3.14159, nan
  %d1 = arith.constant 0.1 : f64
  %d2 = arith.constant 123456.7 : f64
  %d3 = arith.constant 1234567.0 : f64
  %pi = arith.constant 3.14159265358979 : f64
  %zero = arith.constant 0.0 : f64
  %nan = arith.divf %zero, %zero : f64
  %nanabs = math.absf %nan : f64
  call @printF64(%d1) : (f64) -> ()
  call @printComma() : () -> ()
  call @printF64(%d2) : (f64) -> ()
  call @printComma() : () -> ()
  call @printF64(%d3) : (f64) -> ()
  call @printComma() : () -> ()
  call @printF64(%pi) : (f64) -> ()
  call @printComma() : () -> ()
  call @printF64(%nanabs) : (f64) -> ()
  call @printNewline() : () -> ()
  // Integer casts: extension, truncation, conversions to and from floats.
  // CHECK-NEXT: -56, 200, -1, 255, 2, -2, 4294967295
  %c200 = arith.constant 200 : i8
  %s200 = arith.extsi %c200 : i8 to i64
  %u200 = arith.extui %c200 : i8 to i64
  call @printI64(%s200) : (i64) -> ()
  call @printComma() : () -> ()
  call @printI64(%u200) : (i64) -> ()
  call @printComma() : () -> ()
  %m1 = arith.constant -1 : i64
  %t8 = arith.trunci %m1 : i64 to i8
  %t8s = arith.extsi %t8 : i8 to i64
  %t8u = arith.extui %t8 : i8 to i64
  call @printI64(%t8s) : (i64) -> ()
  call @printComma() : () -> ()
  call @printI64(%t8u) : (i64) -> ()
  call @printComma() : () -> ()
  %f25 = arith.constant 2.5 : f32
  %i25 = arith.fptosi %f25 : f32 to i64
  %nf = arith.negf %f25 : f32
  %in25 = arith.fptosi %nf : f32 to i64
  call @printI64(%i25) : (i64) -> ()
  call @printComma() : () -> ()
  call @printI64(%in25) : (i64) -> ()
  call @printComma() : () -> ()
  %m32 = arith.constant -1 : i32
  %u32 = arith.extui %m32 : i32 to i64
  call @printI64(%u32) : (i64) -> ()
  call @printNewline() : () -> ()
  return
}
