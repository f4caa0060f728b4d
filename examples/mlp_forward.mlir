// A two-layer perceptron's forward pass written in the lamina dialect: lamina-run lowers it
// stage by stage (structured loop nests, buffers, loops, LLVM IR), compiles it for this CPU
// and prints the class probabilities and the predicted class of each of the four inputs.
//
//   lamina-run examples/mlp_forward.mlir
//   lamina-opt examples/mlp_forward.mlir -p convert-lamina-to-structured   (one stage down)
func.func @main() -> (tensor<4x3xf32>, tensor<4xi64>) {
  %x = lamina.constant dense<[[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [-2.0, 1.0, 0.5], [0.0, 0.0, 1.0]]> : tensor<4x3xf32>
  %w1 = lamina.constant dense<[[0.2, -0.4, 0.6, 0.1, -0.3], [0.5, 0.3, -0.2, 0.8, 0.1], [-0.6, 0.9, 0.4, -0.1, 0.7]]> : tensor<3x5xf32>
  %b1 = lamina.constant dense<[0.1, 0.0, -0.1, 0.2, 0.0]> : tensor<5xf32>
  %w2 = lamina.constant dense<[[1.0, -1.0, 0.5], [0.3, 0.8, -0.6], [-0.5, 0.2, 0.9], [0.7, -0.4, 0.1], [0.2, 0.6, -0.8]]> : tensor<5x3xf32>
  %h0 = lamina.matmul %x, %w1 : (tensor<4x3xf32>, tensor<3x5xf32>) -> tensor<4x5xf32>
  %h1 = lamina.add %h0, %b1 : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %h = lamina.relu %h1 : tensor<4x5xf32>
  %logits = lamina.matmul %h, %w2 : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
  %m = lamina.reduce_max %logits axes = [1] keepdims : tensor<4x3xf32> -> tensor<4x1xf32>
  %z = lamina.subtract %logits, %m : (tensor<4x3xf32>, tensor<4x1xf32>) -> tensor<4x3xf32>
  %e = lamina.exp %z : tensor<4x3xf32>
  %s = lamina.reduce_sum %e axes = [1] keepdims : tensor<4x3xf32> -> tensor<4x1xf32>
  %p = lamina.divide %e, %s : (tensor<4x3xf32>, tensor<4x1xf32>) -> tensor<4x3xf32>
  %c = lamina.argmax %p axis = 1 : tensor<4x3xf32> -> tensor<4xi64>
  return %p, %c : tensor<4x3xf32>, tensor<4xi64>
}
