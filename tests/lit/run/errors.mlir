// lamina-run's errors: `FILE: error: MESSAGE` on stderr (mlir-runner's words where it has
// them) and exit code 1, never a traceback.
// NO-MLIR-RUNNER: these are lamina-run's own diagnostics
// RUN: not lamina-run %s 2>&1 | FileCheck %s --check-prefix=ASSERT
// RUN: not lamina-run %s -e divide 2>&1 | FileCheck %s --check-prefix=DIV
// RUN: not lamina-run %s -e nothere 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not lamina-run %s -e hidden 2>&1 | FileCheck %s --check-prefix=PRIVATE
// RUN: not lamina-run %s -e args 2>&1 | FileCheck %s --check-prefix=ARGS
// RUN: not lamina-run %s -e value -entry-point-result=void 2>&1 | FileCheck %s --check-prefix=VOID
// RUN: not lamina-run %s -e value -entry-point-result=i64 2>&1 | FileCheck %s --check-prefix=I64
// RUN: not lamina-run %s -entry-point-result=i8 2>&1 | FileCheck %s --check-prefix=RESULT
// RUN: not lamina-run %s --target=gpu 2>&1 | FileCheck %s --check-prefix=GPU
// RUN: not lamina-run %s -shared-libs=libfoo.so 2>&1 | FileCheck %s --check-prefix=LIB
// RUN: not lamina-run %s --frobnicate 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: not lamina-run %S/Inputs/bad-syntax.mlir 2>&1 | FileCheck %s --check-prefix=SYNTAX
// RUN: not lamina-run %S/Inputs/no-such-file.mlir 2>&1 | FileCheck %s --check-prefix=NOFILE

// A failed cf.assert ends the call at once (as mlir-runner's abort does): what the program
// printed before it stays printed.
// ASSERT: before
// ASSERT-NOT: after
// ASSERT: errors.mlir: error: the assertion failed
// ASSERT-NOT: Traceback
func.func @main() {
  vector.print str "before\n"
  %false = arith.constant false
  cf.assert %false, "the assertion failed"
  vector.print str "after\n"
  return
}

// DIV: errors.mlir: error: Integer division by zero
func.func @divide() -> tensor<2xi32> {
  %a = lamina.constant dense<[4, 5]> : tensor<2xi32>
  %b = lamina.constant dense<[2, 0]> : tensor<2xi32>
  %q = lamina.floordiv %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %q : tensor<2xi32>
}

// MISSING: errors.mlir: error: entry point not found: no function '@nothere'
// PRIVATE: errors.mlir: error: entry point not found: '@hidden' is private
func.func private @hidden() {
  return
}

// ARGS: errors.mlir: error: JIT can't invoke a main function expecting arguments
func.func @args(%x: i32) {
  return
}

// VOID: errors.mlir: error: expected void function
// I64: errors.mlir: error: only single i64 function result supported
func.func @value() -> i32 {
  %r = arith.constant 1 : i32
  return %r : i32
}

// RESULT: lamina-run: invalid -entry-point-result 'i8': expected one of void, i32, i64, f32, f64
// GPU: lamina-run: --target=gpu: {{no usable GPU: .+|running a textual module on the GPU is not implemented yet}}
// LIB: lamina-run: -shared-libs: cannot load 'libfoo.so'
// FLAG: lamina-run: Unknown command line argument '--frobnicate'.
// SYNTAX: bad-syntax.mlir:3:23: error: unexpected ':'
// SYNTAX-NOT: Traceback
// NOFILE: lamina-run: No such file or directory: {{.*}}no-such-file.mlir
