// A non-void entry: its result is printed after what the program prints, as mlir-runner
// prints it (f32).
// RUN: lamina-run %s -e entry -entry-point-result=f32 | FileCheck %s

// CHECK: program output
// CHECK-NEXT: -1.250000e-01
func.func @entry() -> f32 {
  vector.print str "program output\n"
  %a = arith.constant 1.0 : f32
  %b = arith.constant -8.0 : f32
  %r = arith.divf %a, %b : f32
  return %r : f32
}
