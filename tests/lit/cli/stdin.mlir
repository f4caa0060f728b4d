// Input from standard input: no file argument, or `-`.
// RUN: lamina-opt < %s | FileCheck %s
// RUN: cat %s | lamina-opt - | FileCheck %s
// Diagnostics name the input `<stdin>`.
// RUN: echo 'func.func @f() -> i32 { return }' | not lamina-opt 2>&1 | FileCheck %s --check-prefix=ERR

// CHECK: func.func @from_stdin(%arg0: f32) -> f32
func.func @from_stdin(%a: f32) -> f32 {
  return %a : f32
}

// ERR: <stdin>:1:25: error: {{.*}}has 0 operands, but enclosing function (@f) returns 1
// ERR-NEXT: func.func @f() -> i32 { return }
// ERR-NEXT: {{^                        \^}}
