// RUN: not lamina-opt %s --bufferize --split-input-file 2>&1 | FileCheck %s

// CHECK: errors.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: pass 'bufferize' failed: 'arith.addf' on tensors is not supported: lower elementwise tensor ops to structured.generic first
func.func @elementwise(%a: tensor<2xf32>) -> tensor<2xf32> {
  %b = arith.addf %a, %a : tensor<2xf32>
  return %b : tensor<2xf32>
}

// -----

// CHECK: errors.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: pass 'bufferize' failed: tensors in a region of several blocks are not supported
func.func @blocks(%a: tensor<2xf32>, %c: i1) -> tensor<2xf32> {
  cf.cond_br %c, ^bb1(%a : tensor<2xf32>), ^bb1(%a : tensor<2xf32>)
^bb1(%x: tensor<2xf32>):
  return %x : tensor<2xf32>
}
