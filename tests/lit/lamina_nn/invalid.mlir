// RUN: lamina-opt %s --split-input-file --verify-diagnostics

func.func @f(%a: tensor<1x5x5x3xf32>, %w: tensor<3x3x2x4xf32>) -> tensor<1x5x5x4xf32> {
  // expected-error @+1 {{'lamina.conv2d' op input depth 3 must equal filter depth 2}}
  %0 = lamina.conv2d %a, %w strides = [1, 1] padding = SAME : (tensor<1x5x5x3xf32>, tensor<3x3x2x4xf32>) -> tensor<1x5x5x4xf32>
  return %0 : tensor<1x5x5x4xf32>
}

// -----

func.func @f(%a: tensor<1x3x3x1xf32>) -> tensor<1x1x1x1xf32> {
  // expected-error @+1 {{'lamina.max_pool2d' op Negative dimension size caused by subtracting 4 from 3 for 'MaxPool'}}
  %0 = lamina.max_pool2d %a ksize = [4, 4] strides = [1, 1] padding = VALID : tensor<1x3x3x1xf32> -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}

// -----

func.func @f(%a: tensor<2x3xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'lamina.reshape' op Input to reshape is a tensor with 6 values, but the requested shape has 4}}
  %0 = lamina.reshape %a : tensor<2x3xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @f(%a: tensor<3x4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'lamina.strided_slice' op slice index 3 of dimension 0 out of bounds.}}
  %0 = lamina.strided_slice %a [3] : (tensor<3x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @f(%a: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'lamina.broadcast_to' op Unable to broadcast tensor of shape [3] to tensor of shape [2,4]}}
  %0 = lamina.broadcast_to %a : (tensor<3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @f() -> tensor<?xf32> {
  // expected-error @+1 {{'lamina.random_normal' op result type tensor<?xf32> has dynamic dimensions but no shape operand gives them}}
  %0 = lamina.random_normal : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @f(%p: tensor<i1>, %a: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'lamina.cond' op else region yields (tensor<i1>), which does not match (tensor<3xf32>)}}
  %0 = lamina.cond %p -> (tensor<3xf32>) {
    lamina.yield %a : tensor<3xf32>
  } else {
    lamina.yield %p : tensor<i1>
  }
  return %0 : tensor<3xf32>
}

// -----

func.func @f(%a: tensor<2xf32>) {
  // expected-error @+1 {{'lamina.print' op template has 2 placeholders for 1 inputs}}
  lamina.print "{} {}" %a : tensor<2xf32>
  return
}
