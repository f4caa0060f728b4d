// A non-void entry: its result is printed after what the program prints, as mlir-runner
// prints it (i32).
// RUN: lamina-run %s -e entry -entry-point-result=i32 | FileCheck %s

// CHECK: program output
// CHECK-NEXT: -42
func.func @entry() -> i32 {
  vector.print str "program output\n"
  %a = arith.constant 6 : i32
  %b = arith.constant -7 : i32
  %r = arith.muli %a, %b : i32
  return %r : i32
}
