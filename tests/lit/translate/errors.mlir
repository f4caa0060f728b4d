// What the translation cannot or must not hand to LLVM is an error at the op, as
// FILE:LINE:COL with the source line and a caret; the exit code is 1 and no Python traceback
// shows. Chunks are translated on their own with --split-input-file.
// RUN: not lamina-translate --mlir-to-llvmir --split-input-file %s 2>&1 | FileCheck %s
// RUN: not lamina-translate %s 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not lamina-translate --mlir-to-ptx --sm=90 --split-input-file %s 2>&1 | FileCheck %s --check-prefix=PTX
// RUN: not lamina-translate --mlir-to-llvmir %s.missing 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK-NOT: Traceback
// NONE: lamina-translate: no translation given: use --mlir-to-llvmir
// PTX: errors.mlir:{{.*}}: error: no GPU code to translate
// MISSING: lamina-translate: No such file or directory: {{.*}}errors.mlir.missing

// CHECK: errors.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'func.func' op cannot be converted to LLVM IR
// CHECK-NEXT: func.func @f() {
func.func @f() {
  return
}

// -----

// CHECK: errors.mlir:[[# @LINE + 3]]:{{[0-9]+}}: error: 'arith.addi' op cannot be converted to LLVM IR
// CHECK-NEXT: {{^}}  %0 = arith.addi %a, %a : i64
llvm.func @g(%a: i64) -> i64 {
  %0 = arith.addi %a, %a : i64
  llvm.return %0 : i64
}

// -----

// CHECK: errors.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: {{.*}}scalable vector type 'vector<[4]xf32>' is not supported
llvm.func @scalable(%a: vector<[4]xf32>) {
  llvm.return
}

// -----

// CHECK: errors.mlir:[[# @LINE + 1]]:1: error: 'llvm.mlir.global' op thread-local globals are not supported
llvm.mlir.global internal thread_local @t(0 : i32) {addr_space = 0 : i32} : i32

// -----

// CHECK: errors.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'llvm.intr.powi' op exponent must be i32
llvm.func @powi(%a: f64, %b: i64) -> f64 {
  %0 = llvm.intr.powi(%a, %b) : (f64, i64) -> f64
  llvm.return %0 : f64
}

// -----

// CHECK: errors.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: 'llvm.load' op expected alignment for atomic access
llvm.func @atomic(%p: !llvm.ptr) -> i64 {
  %0 = llvm.load %p atomic monotonic : !llvm.ptr -> i64
  llvm.return %0 : i64
}

// -----

// CHECK: errors.mlir:[[# @LINE + 1]]:1: error: 'llvm.func' op calling convention 'amdgpu_kernelcc' is not supported
llvm.func amdgpu_kernelcc @kernel() {
  llvm.return
}

// -----

// The parser's own errors come out the same way.
// CHECK: errors.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: {{.*}}
llvm.func @broken( {
