// A non-void entry: its result is printed after what the program prints, as mlir-runner
// prints it (i64).
// RUN: lamina-run %s -e entry -entry-point-result=i64 | FileCheck %s

// CHECK: program output
// CHECK-NEXT: -9223372036854775808
func.func @entry() -> i64 {
  vector.print str "program output\n"
  %r = arith.constant -9223372036854775808 : i64
  return %r : i64
}
