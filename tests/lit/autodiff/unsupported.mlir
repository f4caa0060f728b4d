// RUN: not lamina-opt -p autodiff %s 2>&1 | FileCheck %s

// Control flow is not differentiated yet: the pass names the op instead of emitting a wrong
// gradient (the cond's only operand is its predicate; the value it depends on is captured).
// CHECK: autodiff of @f: differentiating through 'lamina.cond' is not supported yet
func.func @f(%p: tensor<i1>, %x: tensor<f32>) -> tensor<f32> attributes {lamina.grad} {
  %0 = lamina.cond %p -> (tensor<f32>) {
    lamina.yield %x : tensor<f32>
  } else {
    %1 = lamina.add %x, %x : (tensor<f32>, tensor<f32>) -> tensor<f32>
    lamina.yield %1 : tensor<f32>
  }
  return %0 : tensor<f32>
}
