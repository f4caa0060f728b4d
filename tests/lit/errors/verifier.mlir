// Verifier errors, each reported at the offending op, as mlir-opt reports them.
// RUN: lamina-opt %s --split-input-file --verify-diagnostics

func.func @f() -> i32 {
  // expected-error @+1 {{'func.return' op has 0 operands, but enclosing function (@f) returns 1}}
  return
}

// -----

func.func @f(%a: i32) -> f32 {
  // expected-error @+1 {{'func.return' op type of return operand 0 (i32) doesn't match function result type (f32) in function @f}}
  return %a : i32
}

// -----

func.func @f() {
  // expected-error @+1 {{'func.call' op 'nope' does not reference a valid function}}
  func.call @nope() : () -> ()
  return
}

// -----

func.func private @g(i32) -> i32
func.func @f(%a: f32) {
  // expected-error @+1 {{'func.call' op operand type mismatch: expected operand types i32}}
  %0 = func.call @g(%a) : (f32) -> i32
  return
}

// -----

// expected-error @+1 {{'func.func' op symbol declaration cannot have public visibility}}
func.func @decl(i32) -> i32

// -----

func.func @f() {
  return
}
// expected-error @+1 {{redefinition of symbol named 'f'}}
func.func @f() {
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{'func.return' op must be the last operation in the parent block}}
  "func.return"() : () -> ()
  "func.return"() : () -> ()
}

// -----

func.func @f(%a: i32) -> i64 {
  // expected-error @+1 {{operand #0 does not dominate this use}}
  %1 = builtin.unrealized_conversion_cast %0 : i64 to i32
  %0 = builtin.unrealized_conversion_cast %a : i32 to i64
  return %0 : i64
}

// -----

func.func @f() {
  // expected-error @+1 {{block with no terminator}}
  %0 = func.constant @f : () -> ()
}

// -----

// expected-error @+1 {{entry block argument types must match the function signature}}
"func.func"() <{function_type = (i32) -> (), sym_name = "f"}> ({
^bb0(%a: f32):
  "func.return"() : () -> ()
}) : () -> ()

// -----

func.func @f() {
  "builtin.module"() ({
    // expected-error @+1 {{'func.return' op expects parent op 'func.func'}}
    "func.return"() : () -> ()
  }) : () -> ()
  return
}
