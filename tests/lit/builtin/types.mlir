// Builtin types, printed back as parsed, in both forms.
// RUN: lamina-opt %s | lamina-opt | FileCheck %s
// RUN: lamina-opt %s --mlir-print-op-generic | lamina-opt | FileCheck %s

// CHECK-LABEL: func.func private @integers(i1, i8, i64, si32, ui16, index)
func.func private @integers(i1, i8, i64, si32, ui16, index)
// CHECK-LABEL: func.func private @floats(f16, bf16, f32, f64, complex<f32>)
func.func private @floats(f16, bf16, f32, f64, complex<f32>)
// CHECK-LABEL: func.func private @tensors(tensor<f32>, tensor<2x3xf32>, tensor<?x4x?xi8>, tensor<*xf64>, tensor<0xi1>)
func.func private @tensors(tensor<f32>, tensor<2x3xf32>, tensor<?x4x?xi8>, tensor<*xf64>, tensor<0xi1>)
// CHECK-LABEL: func.func private @memrefs(memref<4xf32>, memref<?x?xf32>, memref<2x3xf32, strided<[3, 1]>>, memref<4xf32, strided<[?], offset: ?>>, memref<*xf32>, memref<4xi8, 1>)
func.func private @memrefs(memref<4xf32>, memref<?x?xf32>, memref<2x3xf32, strided<[3, 1]>>, memref<4xf32, strided<[?], offset: ?>>, memref<*xf32>, memref<4xi8, 1>)
// CHECK-LABEL: func.func private @vectors(vector<4xf32>, vector<2x8xi1>)
func.func private @vectors(vector<4xf32>, vector<2x8xi1>)
// CHECK-LABEL: func.func private @others(none, tuple<i32, f32>, (i32) -> f32, () -> ())
func.func private @others(none, tuple<i32, f32>, (i32) -> f32, () -> ())
// CHECK-LABEL: func.func private @results() -> (i32, (f32) -> (i1, i2))
func.func private @results() -> (i32, (f32) -> (i1, i2))
// CHECK-LABEL: func.func private @aliased(tensor<4xf32>)
!t = tensor<4xf32>
func.func private @aliased(!t)
