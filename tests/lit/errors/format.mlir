// An error is `FILE:LINE:COL: error: MESSAGE`, the source line, and a caret under the column,
// with exit code 1 and nothing on standard output.
// RUN: not lamina-opt %s 2>&1 | FileCheck %s
// RUN: not lamina-opt %s 2>/dev/null > %t.out; test ! -s %t.out
// RUN: not lamina-opt %s 2> %t.err; FileCheck %s --input-file %t.err --check-prefix=ONLY

func.func @f(%a: i32) -> i32 {
// CHECK: format.mlir:[[# @LINE + 3]]:10: error: use of undeclared SSA value name '%x'
// CHECK-NEXT: {{^}}  return %x : i32{{$}}
// CHECK-NEXT: {{^         \^$}}
  return %x : i32
}
// ONLY-NOT: Traceback
// ONLY-NOT: internal compiler error
