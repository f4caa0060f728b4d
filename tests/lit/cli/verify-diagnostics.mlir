// `--verify-diagnostics` checks the `expected-error` annotations against what lamina reports.
// RUN: lamina-opt %s --split-input-file --verify-diagnostics
// A missing diagnostic is a failure.
// RUN: not lamina-opt %S/../Inputs/missing-diagnostic.mlir --verify-diagnostics 2>&1 | FileCheck %s
// CHECK: missing-diagnostic.mlir:4: error: expected error "never reported" was not produced

func.func @f() -> i32 {
  // expected-error @+1 {{has 0 operands, but enclosing function (@f) returns 1}}
  return
}

// -----

func.func @g(%a: i32) -> f32 {
  // expected-error @+1 {{type of return operand 0 (i32) doesn't match function result type (f32) in function @g}}
  return %a : i32
}

// -----

func.func @h() {
  // expected-error @+1 {{use of undeclared SSA value name}}
  return %nothing : i32
}
