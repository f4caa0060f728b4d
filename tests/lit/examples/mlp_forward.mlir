// The README's quick start: examples/mlp_forward.mlir runs natively and prints what numpy
// computes for the same network (probabilities to printMemref's 6 significant digits).
// RUN: lamina-run %S/../../../examples/mlp_forward.mlir | FileCheck %s

// CHECK: rank = 2 offset = 0 sizes = [4, 3] strides = [3, 1] data =
// CHECK-NEXT: {{\[\[}}0.116877,   0.821494,   0.0616285],
// CHECK-NEXT:  [0.395924,   0.0957003,   0.508376],
// CHECK-NEXT:  [0.399515,   0.578392,   0.0220928],
// CHECK-NEXT:  [0.277012,   0.635276,   0.0877121]]
// CHECK-NEXT: rank = 1 offset = 0 sizes = [4] strides = [1] data =
// CHECK-NEXT: [1,  2,  1,  1]
