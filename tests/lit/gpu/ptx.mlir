// RUN: lamina-translate %s --mlir-to-ptx | FileCheck %s --check-prefix=SM80
// RUN: lamina-translate %s --mlir-to-ptx --sm=90 | FileCheck %s --check-prefix=SM90

// SM80: .version 7.8
// SM80: .target sm_80
// SM80: .entry scale_kernel
// SM80-NOT: call
// SM90: .version 7.8
// SM90: .target sm_90
// SM90: .entry scale_kernel
func.func @scale(%a: memref<?xf32>, %b: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %x = memref.load %a[%i] : memref<?xf32>
    %y = math.exp %x : f32
    memref.store %y, %b[%i] : memref<?xf32>
  }
  return
}
