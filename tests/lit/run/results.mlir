// Results beyond mlir-runner's: without -entry-point-result, whatever the entry returns prints,
// in order (scalars as mlir-runner prints them, memrefs as printMemref does); f64 results.
// NO-MLIR-RUNNER: mlir-runner returns only void, i32, i64 and f32 and needs the flag
// RUN: lamina-run %s -entry-point-result=f64 | FileCheck %s --check-prefix=F64
// RUN: lamina-run %s -e inferred | FileCheck %s --check-prefix=INFER
// RUN: lamina-run %s -e nothing | FileCheck %s --check-prefix=NOTHING --allow-empty
// RUN: lamina-run %s -e special -O 0 | FileCheck %s --check-prefix=SPECIAL
// RUN: lamina-run %s -e special -O1 | FileCheck %s --check-prefix=SPECIAL

// F64: 3.141593e+00
func.func @main() -> f64 {
  %r = arith.constant 3.14159265358979 : f64
  return %r : f64
}

// INFER: 7
// INFER-NEXT: Unranked Memref base@ = {{.*}} rank = 2 offset = 0 sizes = [2, 3] strides = [3, 1] data =
// INFER-NEXT: {{\[\[}}0,   1,   2],
// INFER-NEXT:  [3,   4,   5]]
// INFER-NEXT: 2.500000e-01
func.func @inferred() -> (i32, memref<2x3xi64>, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %m = memref.alloc() : memref<2x3xi64>
  scf.for %i = %c0 to %c2 step %c1 {
    scf.for %j = %c0 to %c3 step %c1 {
      %k = arith.muli %i, %c3 : index
      %e = arith.addi %k, %j : index
      %ei = arith.index_cast %e : index to i64
      memref.store %ei, %m[%i, %j] : memref<2x3xi64>
    }
  }
  %seven = arith.constant 7 : i32
  %q = arith.constant 0.25 : f32
  return %seven, %m, %q : i32, memref<2x3xi64>, f32
}

// NOTHING-NOT: {{.}}
func.func @nothing() {
  return
}

// SPECIAL: nan
// SPECIAL-NEXT: -INF
// SPECIAL-NEXT: 1
func.func @special() -> (f32, f64, i1) {
  %z = arith.constant 0.0 : f32
  %nan = arith.divf %z, %z : f32
  %anan = math.absf %nan : f32
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %t = arith.constant true
  return %anan, %ninf, %t : f32, f64, i1
}
