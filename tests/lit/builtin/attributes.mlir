// Builtin attributes, printed back as parsed, in both forms.
// RUN: lamina-opt %s | lamina-opt | FileCheck %s
// RUN: lamina-opt %s --mlir-print-op-generic | lamina-opt | FileCheck %s

#map = affine_map<(d0, d1)[s0] -> (d0 + s0, d1 * 2)>

// Entries print sorted by name, as MLIR's dictionaries keep them.
// CHECK-LABEL: func.func private @scalars()
// CHECK-SAME: attributes {b = true, d = 1.000000e+00 : f64, f = 2.500000e-01 : f32, i = 7 : i64, i8 = -3 : i8, idx = 3 : index, s = "a \22quoted\22 string\0A", u}
func.func private @scalars() attributes {i = 7, i8 = -3 : i8, b = true, f = 0.25 : f32, d = 1.0, s = "a \"quoted\" string\n", u, idx = 3 : index}

// CHECK-LABEL: func.func private @aggregates()
// CHECK-SAME: attributes {a = [1 : i32, "x", [2.000000e+00 : f32]], da = array<i64: 1, 2, 3>, dense = dense<[1, 2, 3, 4]> : tensor<4xi32>, dict = {k = 1 : i32, "quoted key"}, empty = array<f32>, nested = dense<{{\[\[}}true, false], [false, true]]> : tensor<2x2xi1>, splat = dense<1.000000e+00> : tensor<2x2xf32>}
func.func private @aggregates() attributes {a = [1 : i32, "x", [2.0 : f32]], dict = {k = 1 : i32, "quoted key" = unit}, da = array<i64: 1, 2, 3>, empty = array<f32>, dense = dense<[1, 2, 3, 4]> : tensor<4xi32>, splat = dense<1.0> : tensor<2x2xf32>, nested = dense<[[true, false], [false, true]]> : tensor<2x2xi1>}

// CHECK-LABEL: func.func private @references()
// CHECK-SAME: attributes {layout = strided<[4, 1], offset: ?>, map = {{#map|affine_map<\(d0, d1\)\[s0\] -> \(d0 \+ s0, d1 \* 2\)>}}, nested_sym = @outer::@inner, sym = @scalars, ty = tensor<2xf32>}
func.func private @references() attributes {sym = @scalars, nested_sym = @outer::@inner, ty = tensor<2xf32>, map = #map, layout = strided<[4, 1], offset: ?>}
