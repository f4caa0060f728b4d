// RUN: lamina-opt %s --split-input-file --verify-diagnostics

func.func @f(%t: tensor<4x3xf32>, %i: tensor<i32>, %v: tensor<2xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'lamina.set_row' op value shape [2] is not the shape [3] of a row of the input}}
  %0 = lamina.set_row %t[%i], %v : (tensor<4x3xf32>, tensor<i32>, tensor<2xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @f(%t: tensor<4xf32>, %i: tensor<i32>, %v: tensor<f64>) -> tensor<4xf32> {
  // expected-error @+1 {{'lamina.set_row' op value element type f64 differs from the input's f32}}
  %0 = lamina.set_row %t[%i], %v : (tensor<4xf32>, tensor<i32>, tensor<f64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @f(%t: tensor<f32>, %i: tensor<i32>, %v: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'lamina.set_row' op input must have at least one dimension, but is 0-d}}
  %0 = lamina.set_row %t[%i], %v : (tensor<f32>, tensor<i32>, tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @f(%t: tensor<4xf32>, %i: tensor<f32>, %v: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'lamina.set_row' op operand #1 must be 0-D tensor of integers, but got 'tensor<f32>'}}
  %0 = lamina.set_row %t[%i], %v : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
