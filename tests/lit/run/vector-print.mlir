// vector.print of scalars and vectors of every printable type and of ranks 0 to 3, with
// punctuation and strings, as upstream lowers it (printOpen, element printers, printComma,
// printClose, printNewline).
// RUN: lamina-run %s -e main -entry-point-result=void | FileCheck %s

func.func @main() {
  // CHECK: ( 1, 2.5, 3e+10, -0.125 )
  %v = arith.constant dense<[1.0, 2.5, 3.0e10, -0.125]> : vector<4xf32>
  vector.print %v : vector<4xf32>
  // CHECK-NEXT: ( 0.1, 1e+300 )
  %d = arith.constant dense<[0.1, 1.0e300]> : vector<2xf64>
  vector.print %d : vector<2xf64>
  // 16-bit floats print their value as an f32 would.
  // CHECK-NEXT: ( 1.5, 65504, 0.0999756 )
  %h = arith.constant dense<[1.5, 65504.0, 0.1]> : vector<3xf16>
  vector.print %h : vector<3xf16>
  // CHECK-NEXT: ( -2, 3.00406e+38 )
  %b = arith.constant dense<[-2.0, 3.0e38]> : vector<2xbf16>
  vector.print %b : vector<2xbf16>
  // Booleans print as 1/0, signless integers signed, index unsigned.
  // CHECK-NEXT: ( 1, 0, 1 )
  %i1 = arith.constant dense<[true, false, true]> : vector<3xi1>
  vector.print %i1 : vector<3xi1>
  // CHECK-NEXT: ( -128, 127, -1 )
  %i8 = arith.constant dense<[-128, 127, -1]> : vector<3xi8>
  vector.print %i8 : vector<3xi8>
  // CHECK-NEXT: ( -32768, 1000 )
  %i16 = arith.constant dense<[-32768, 1000]> : vector<2xi16>
  vector.print %i16 : vector<2xi16>
  // CHECK-NEXT: ( 2147483647, -2147483648 )
  %i32 = arith.constant dense<[2147483647, -2147483648]> : vector<2xi32>
  vector.print %i32 : vector<2xi32>
  // CHECK-NEXT: ( -9223372036854775808 )
  %i64 = arith.constant dense<-9223372036854775808> : vector<1xi64>
  vector.print %i64 : vector<1xi64>
  // CHECK-NEXT: ( 0, 7, 18446744073709551615 )
  %ix = arith.constant dense<[0, 7, -1]> : vector<3xindex>
  vector.print %ix : vector<3xindex>
  // A 0-D vector prints as a vector of one element; n-D vectors nest.
  // CHECK-NEXT: ( 2.5 )
  %z = arith.constant dense<2.5> : vector<f32>
  vector.print %z : vector<f32>
  // CHECK-NEXT: ( ( 1, 2, 3 ), ( 4, 5, 6 ) )
  %m = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : vector<2x3xi32>
  vector.print %m : vector<2x3xi32>
  // CHECK-NEXT: ( ( ( 1, 2 ) ), ( ( 3, 4 ) ) ), ( ( ( 1, 2 ) ), ( ( 3, 4 ) ) )
  %t = arith.constant dense<[[[1.0, 2.0]], [[3.0, 4.0]]]> : vector<2x1x2xf32>
  vector.print %t : vector<2x1x2xf32> punctuation <comma>
  vector.print %t : vector<2x1x2xf32>
  // Scalars, punctuation alone, strings.
  // CHECK-NEXT: -1
  %s = arith.constant -1 : i32
  vector.print %s : i32
  // CHECK-NEXT: 1
  %true = arith.constant true
  vector.print %true : i1
  // CHECK-NEXT: 18446744073709551611
  %neg = arith.constant -5 : index
  vector.print %neg : index
  // CHECK-NEXT: nan, -inf, 1.23457e+08(  ), a string with "quotes"
  %zero = arith.constant 0.0 : f32
  %nan = arith.divf %zero, %zero : f32
  %anan = math.absf %nan : f32
  %one = arith.constant 1.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %f = arith.constant 123456789.0 : f64
  vector.print %anan : f32 punctuation <comma>
  vector.print %ninf : f32 punctuation <comma>
  vector.print %f : f64 punctuation <no_punctuation>
  vector.print punctuation <open>
  vector.print punctuation <close>
  vector.print punctuation <comma>
  vector.print str "a string with \"quotes\"\n"
  // CHECK-NEXT: {{^$}}
  vector.print
  return
}
