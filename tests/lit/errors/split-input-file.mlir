// An error in one chunk fails the run but not the other chunks, and is reported at its line in
// the whole file.
// RUN: not lamina-opt %s --split-input-file > %t.out 2> %t.err
// RUN: FileCheck %s --input-file %t.err
// RUN: FileCheck %s --input-file %t.out --check-prefix=OUT

func.func @ok() {
  return
}

// -----

func.func @bad() -> i32 {
  // CHECK: split-input-file.mlir:[[# @LINE + 1]]:3: error: {{.*}}has 0 operands, but enclosing function (@bad) returns 1
  return
}

// -----

// CHECK-NOT: error
func.func @ok_too() {
  return
}

// OUT: func.func @ok()
// OUT: func.func @ok_too()
