// RUN: not lamina-opt -p autodiff %s 2>&1 | FileCheck %s

// The gradient of a loop recomputes its body, so a body with side effects (a print, an
// assignment, a random draw) would run them again: the pass names the op instead of changing
// what the program does.
// CHECK: unsupported.mlir:16:5: error: autodiff of @f: differentiating through 'lamina.while' recomputes its regions, but 'lamina.print' in them has side effects
func.func @f(%n: tensor<i32>, %x: tensor<f32>) -> tensor<f32> attributes {lamina.grad} {
  %z = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %v = %x) : (tensor<i32>, tensor<f32>) -> (tensor<i32>, tensor<f32>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<f32>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    lamina.print "{}\0A" %v : tensor<f32>
    %w = lamina.multiply %v, %v : (tensor<f32>, tensor<f32>) -> tensor<f32>
    lamina.yield %i2, %w : tensor<i32>, tensor<f32>
  }
  return %r#1 : tensor<f32>
}
