// Syntax errors, each reported at its line (the column is checked by errors/format.mlir and
// tests/test_bad_input.py).
// RUN: lamina-opt %s --split-input-file --verify-diagnostics

func.func @f() {
  // expected-error @+1 {{use of undeclared SSA value name}}
  return %nothing : i32
}

// -----

func.func @f(%a: i32) {
  %0 = builtin.unrealized_conversion_cast %a : i32 to i64
  // expected-error @+1 {{redefinition of SSA value '%0'}}
  %0 = builtin.unrealized_conversion_cast %a : i32 to i64
  return
}

// -----

func.func @f(%a: i32) -> f32 {
  // expected-error @+1 {{use of value '%a' expects different type than prior uses: 'f32' vs 'i32'}}
  %0 = builtin.unrealized_conversion_cast %a : f32 to f32
  return %0 : f32
}

// -----

func.func @f(%a: i32) {
  // expected-error @+1 {{operation defines 1 results but was provided 2 to bind}}
  %1:2 = builtin.unrealized_conversion_cast %a : i32 to i64
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{unregistered dialect}}
  "foo.bar"() : () -> ()
  return
}

// -----

// expected-error @+1 {{duplicate key 'a' in dictionary attribute}}
func.func @f() attributes {a = 1 : i32, a = 2 : i32} {
  return
}

// -----

// expected-error @+1 {{}}
func.func @f(%a: tensor<2x?xf32) {
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{}}
  func.frobnicate
  return
}

// -----

"func.func"() <{function_type = () -> (), sym_name = "f"}> ({
  // expected-error @+1 {{}}
  "func.return"() : (i32) -> ()
}) : () -> ()
