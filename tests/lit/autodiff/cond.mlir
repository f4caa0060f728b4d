// RUN: lamina-opt -p autodiff,canonicalize,cse %s | FileCheck %s
// RUN: lamina-opt -p autodiff,canonicalize,cse %s | lamina-opt -p autodiff,canonicalize,cse | FileCheck %s --check-prefix=SECOND

// The gradient of a cond is a cond of its branches' gradients, on the same predicate, yielding
// the cotangents of the values the branches use from above (zero where a branch does not use
// one). Cleaned up, what is left is the derivative of each branch, not a tape: x * x gives
// x + x, x * y gives y (for x) and x (for y); the forward cond is gone.
// CHECK-LABEL: func.func @f_grad(%arg0: tensor<i1>, %arg1: tensor<f32>, %arg2: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
// CHECK-NEXT:    %[[G:.*]]:2 = lamina.cond %arg0 -> (tensor<f32>, tensor<f32>) {
// CHECK-NEXT:      %[[S:.*]] = lamina.add %arg1, %arg1 : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:      %[[Z:.*]] = lamina.constant dense<0.000000e+00> : tensor<f32>
// CHECK-NEXT:      lamina.yield %[[S]], %[[Z]] : tensor<f32>, tensor<f32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      lamina.yield %arg2, %arg1 : tensor<f32>, tensor<f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[G]]#0, %[[G]]#1 : tensor<f32>, tensor<f32>
// CHECK-NEXT:  }
func.func @f(%p: tensor<i1>, %x: tensor<f32>, %y: tensor<f32>) -> tensor<f32>
    attributes {lamina.grad} {
  %0 = lamina.cond %p -> (tensor<f32>) {
    %1 = lamina.multiply %x, %x : (tensor<f32>, tensor<f32>) -> tensor<f32>
    lamina.yield %1 : tensor<f32>
  } else {
    %1 = lamina.multiply %x, %y : (tensor<f32>, tensor<f32>) -> tensor<f32>
    lamina.yield %1 : tensor<f32>
  }
  return %0 : tensor<f32>
}

// Differentiated with respect to %x only (the attribute names it), the gradient keeps the
// attribute, so the pass applied again gives the second derivative, again a cond:
// d/dx of x*x*x is 3x^2 (x*x three times), d2/dx2 is 6x (3x twice); of exp(x), exp(x).
// CHECK-LABEL: func.func @g_grad(%arg0: tensor<i1>, %arg1: tensor<f32>) -> tensor<f32> attributes {lamina.grad = array<i64: 1>} {
// CHECK-NEXT:    %[[D:.*]] = lamina.cond %arg0 -> (tensor<f32>) {
// CHECK-NEXT:      %[[X2:.*]] = lamina.multiply %arg1, %arg1 : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:      %[[A:.*]] = lamina.add %[[X2]], %[[X2]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:      %[[B:.*]] = lamina.add %[[A]], %[[X2]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NEXT:      lamina.yield %[[B]] : tensor<f32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[E:.*]] = lamina.exp %arg1 : tensor<f32>
// CHECK-NEXT:      lamina.yield %[[E]] : tensor<f32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[D]] : tensor<f32>

// SECOND-LABEL: func.func @g_grad_grad(%arg0: tensor<i1>, %arg1: tensor<f32>) -> tensor<f32> attributes {lamina.grad = array<i64: 1>} {
// SECOND-NEXT:    %[[D:.*]] = lamina.cond %arg0 -> (tensor<f32>) {
// SECOND-NEXT:      %[[C:.*]] = lamina.constant dense<3.000000e+00> : tensor<f32>
// SECOND-NEXT:      %[[M:.*]] = lamina.multiply %arg1, %[[C]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
// SECOND-NEXT:      %[[S:.*]] = lamina.add %[[M]], %[[M]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
// SECOND-NEXT:      lamina.yield %[[S]] : tensor<f32>
// SECOND-NEXT:    } else {
// SECOND-NEXT:      %[[E:.*]] = lamina.exp %arg1 : tensor<f32>
// SECOND-NEXT:      lamina.yield %[[E]] : tensor<f32>
// SECOND-NEXT:    }
// SECOND-NEXT:    func.return %[[D]] : tensor<f32>
func.func @g(%p: tensor<i1>, %x: tensor<f32>) -> tensor<f32>
    attributes {lamina.grad = array<i64: 1>} {
  %0 = lamina.cond %p -> (tensor<f32>) {
    %1 = lamina.multiply %x, %x : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %2 = lamina.multiply %1, %x : (tensor<f32>, tensor<f32>) -> tensor<f32>
    lamina.yield %2 : tensor<f32>
  } else {
    %1 = lamina.exp %x : tensor<f32>
    lamina.yield %1 : tensor<f32>
  }
  return %0 : tensor<f32>
}
