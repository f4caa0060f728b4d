// math functions (LLVM intrinsics, or the C library where LLVM has none), on f32 and f64
// scalars and on vectors.
// RUN: lamina-run %s -e main -entry-point-result=void | FileCheck %s

func.func @main() {
  %x = arith.constant 0.7 : f32
  %neg = arith.constant -1.25 : f32
  %two = arith.constant 2.0 : f32
  // CHECK: 0.83666, 2.01375, -0.356675, 0.644218, 0.764842, 0.842288, 0.604368
  %s1 = math.sqrt %x : f32
  %s2 = math.exp %x : f32
  %s3 = math.log %x : f32
  %s4 = math.sin %x : f32
  %s5 = math.cos %x : f32
  %s6 = math.tan %x : f32
  %s7 = math.tanh %x : f32
  vector.print %s1 : f32 punctuation <comma>
  vector.print %s2 : f32 punctuation <comma>
  vector.print %s3 : f32 punctuation <comma>
  vector.print %s4 : f32 punctuation <comma>
  vector.print %s5 : f32 punctuation <comma>
  vector.print %s6 : f32 punctuation <comma>
  vector.print %s7 : f32
  // CHECK-NEXT: 1.25, -2, -1, -1, 0.677801, -0.514573, 2.6311, 2.8409
  %a1 = math.absf %neg : f32
  %a2 = math.floor %neg : f32
  %a3 = math.ceil %neg : f32
  %a4 = math.round %neg : f32
  %a5 = math.erf %x : f32
  %a6 = math.log2 %x : f32
  %a7 = math.atan2 %x, %neg : f32
  %pw = math.powf %two, %neg : f32
  %a8 = math.fma %pw, %two, %two : f32
  vector.print %a1 : f32 punctuation <comma>
  vector.print %a2 : f32 punctuation <comma>
  vector.print %a3 : f32 punctuation <comma>
  vector.print %a4 : f32 punctuation <comma>
  vector.print %a5 : f32 punctuation <comma>
  vector.print %a6 : f32 punctuation <comma>
  vector.print %a7 : f32 punctuation <comma>
  vector.print %a8 : f32
  // CHECK-NEXT: 1.58114, 12.1825, 0.916291, 0.598472, 0.000406952, 9.88212, 1.35721
  %y = arith.constant 2.5 : f64
  %d1 = math.sqrt %y : f64
  %d2 = math.exp %y : f64
  %d3 = math.log %y : f64
  %d4 = math.sin %y : f64
  %d5 = math.erfc %y : f64
  %d6 = math.powf %y, %y : f64
  %d7 = math.cbrt %y : f64
  vector.print %d1 : f64 punctuation <comma>
  vector.print %d2 : f64 punctuation <comma>
  vector.print %d3 : f64 punctuation <comma>
  vector.print %d4 : f64 punctuation <comma>
  vector.print %d5 : f64 punctuation <comma>
  vector.print %d6 : f64 punctuation <comma>
  vector.print %d7 : f64
  // CHECK-NEXT: ( 1, 1.41421, 1.73205, 2 ), ( 2.71828, 7.38906, 20.0855, 54.5981 )
  %v = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : vector<4xf32>
  %sv = math.sqrt %v : vector<4xf32>
  %ev = math.exp %v : vector<4xf32>
  vector.print %sv : vector<4xf32> punctuation <comma>
  vector.print %ev : vector<4xf32>
  return
}
