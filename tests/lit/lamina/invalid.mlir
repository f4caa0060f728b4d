// RUN: lamina-opt %s --split-input-file --verify-diagnostics

func.func @f(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'lamina.add' op operand shapes (2, 3) and (4) are not broadcast-compatible}}
  %0 = lamina.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @f(%a: tensor<2xi32>) -> tensor<2xi32> {
  // expected-error @+1 {{'lamina.divide' op operand element type must be a floating-point type, but got i32}}
  %0 = lamina.divide %a, %a : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @f(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'lamina.reduce_max' op axes [2] must be distinct, sorted, and in [0, 2)}}
  %0 = lamina.reduce_max %a axes = [2] : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @f(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'lamina.matmul' op Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]}}
  %0 = lamina.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @f(%v: tensor<f32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'lamina.fill' op expected 2 dimension operands for tensor<?x?xf32>, but got 0}}
  %0 = lamina.fill %v : tensor<f32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @f(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'lamina.argmin' op result element type must be i32 or i64, but got f32}}
  %0 = lamina.argmin %a axis = 1 : tensor<2x3xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
