// From loops to LLVM IR: lamina-opt lowers to the llvm dialect, lamina-translate writes the
// IR. A memref argument arrives as its descriptor's fields; the packed entry the runtime calls
// is translated with the function.
// RUN: lamina-opt %s --convert-loops-to-llvm | lamina-translate --mlir-to-llvmir | FileCheck %s
// RUN: lamina-opt %s --convert-loops-to-llvm | lamina-translate --mlir-to-llvmir - -o %t.ll
// RUN: FileCheck %s < %t.ll

// CHECK-LABEL: define double @sum(ptr %v0, ptr %v1, i64 %v2, i64 %v3, i64 %v4) {
// CHECK:         phi double
// CHECK:         getelementptr double, ptr
// CHECK:         load double, ptr {{%v[0-9]+}}, align 8
// CHECK:         fadd double
// CHECK:         ret double
// CHECK-LABEL: define void @_mlir__sum(ptr %v0) {
// CHECK:         call double @sum(ptr
// CHECK:         store double {{%v[0-9]+}}, ptr
func.func @sum(%a: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %x = memref.load %a[%i] : memref<?xf64>
    %t = arith.addf %acc, %x : f64
    scf.yield %t : f64
  }
  return %s : f64
}
