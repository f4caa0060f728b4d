// RUN: lamina-run %s -e main -entry-point-result=void | FileCheck %s

// Bufferized code runs natively: a loop carrying a tensor through an in-place update, a
// concatenation and a slice, then a branch that keeps or replaces the result.
// CHECK: sizes = [3] strides = [1] data =
// CHECK-NEXT: [41,  82,  123]
// CHECK: sizes = [3] strides = [1] data =
// CHECK-NEXT: [1681,  6724,  15129]

#id = affine_map<(d0) -> (d0)>
func.func private @printMemrefF32(memref<*xf32>)
func.func @step(%a: tensor<?xf32>, %b: tensor<?xf32>, %n: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> (tensor<?xf32>) {
    %d = tensor.dim %acc, %c0 : tensor<?xf32>
    %e = tensor.empty(%d) : tensor<?xf32>
    %s = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
        ins(%acc, %b : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?xf32>) {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %z = arith.addf %x, %y : f32
      structured.yield %z : f32
    } -> tensor<?xf32>
    %g = tensor.concat dim(0) %s, %b : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
    %h = tensor.extract_slice %g[0] [%d] [1] : tensor<?xf32> to tensor<?xf32>
    scf.yield %h : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}
func.func @square_if(%c: i1, %a: tensor<?xf32>) -> tensor<?xf32> {
  %r = scf.if %c -> (tensor<?xf32>) {
    %c0 = arith.constant 0 : index
    %d = tensor.dim %a, %c0 : tensor<?xf32>
    %e = tensor.empty(%d) : tensor<?xf32>
    %s = structured.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%a : tensor<?xf32>) outs(%e : tensor<?xf32>) {
    ^bb0(%x: f32, %o: f32):
      %z = arith.mulf %x, %x : f32
      structured.yield %z : f32
    } -> tensor<?xf32>
    scf.yield %s : tensor<?xf32>
  } else {
    scf.yield %a : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}
func.func @main() {
  %a = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %b = arith.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %ad = tensor.cast %a : tensor<3xf32> to tensor<?xf32>
  %bd = tensor.cast %b : tensor<3xf32> to tensor<?xf32>
  %n = arith.constant 4 : index
  %r = func.call @step(%ad, %bd, %n) : (tensor<?xf32>, tensor<?xf32>, index) -> tensor<?xf32>
  %u = tensor.cast %r : tensor<?xf32> to tensor<*xf32>
  %m = bufferization.to_buffer %u : tensor<*xf32> to memref<*xf32>
  func.call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  %true = arith.constant true
  %q = func.call @square_if(%true, %r) : (i1, tensor<?xf32>) -> tensor<?xf32>
  %false = arith.constant false
  %k = func.call @square_if(%false, %q) : (i1, tensor<?xf32>) -> tensor<?xf32>
  %ku = tensor.cast %k : tensor<?xf32> to tensor<*xf32>
  %km = bufferization.to_buffer %ku : tensor<*xf32> to memref<*xf32>
  func.call @printMemrefF32(%km) : (memref<*xf32>) -> ()
  return
}
