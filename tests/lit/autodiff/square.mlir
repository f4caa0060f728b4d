// RUN: lamina-opt -p autodiff,canonicalize,cse %s | FileCheck %s
// RUN: lamina-opt -p autodiff,canonicalize,cse %s | lamina-opt -p autodiff,canonicalize,cse | FileCheck %s --check-prefix=SECOND

// The gradient of x * x is x + x: the pass's backward ops, cleaned up by canonicalize and cse,
// are 2*x-sized code, not a tape.

// CHECK-LABEL: func.func @square(
// CHECK-LABEL: func.func @square_grad(%arg0: tensor<f32>) -> tensor<f32> attributes {lamina.grad} {
// CHECK-NEXT:    %[[S:.*]] = lamina.add %arg0, %arg0 : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:    func.return %[[S]] : tensor<f32>
// CHECK-NEXT:  }

// Applied to its own output, the pass differentiates the gradient: d2(x*x)/dx2 = 2.
// SECOND-LABEL: func.func @square_grad_grad(%arg0: tensor<f32>) -> tensor<f32> attributes {lamina.grad} {
// SECOND-NEXT:    %[[C:.*]] = lamina.constant dense<2.000000e+00> : tensor<f32>
// SECOND-NEXT:    func.return %[[C]] : tensor<f32>
// SECOND-NEXT:  }
func.func @square(%x: tensor<f32>) -> tensor<f32> attributes {lamina.grad} {
  %0 = lamina.multiply %x, %x : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}
