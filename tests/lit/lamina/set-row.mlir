// RUN: lamina-opt %s -p convert-lamina-to-structured | FileCheck %s
// RUN: lamina-opt %s | lamina-opt | FileCheck %s --check-prefix=ROUNDTRIP

// lamina.set_row is an insert_slice of the row at the (wrapped, checked) index: a write in
// place once bufferized, where the tensor dies there.
// CHECK-LABEL: func.func @f(
// CHECK:         cf.assert %{{.*}}, "slice index of dimension 0 out of bounds."
// CHECK:         cf.assert %{{.*}}, "Cannot set a row: the value's shape differs from the row's"
// CHECK:         %[[R:.*]] = tensor.insert_slice %arg2 into %arg0[%{{.*}}, 0] [1, %{{.*}}] [1, 1] : tensor<?xf32> into tensor<4x?xf32>
// CHECK-NEXT:    func.return %[[R]]
// ROUNDTRIP:     lamina.set_row %arg0[%arg1], %arg2 : (tensor<4x?xf32>, tensor<i64>, tensor<?xf32>) -> tensor<4x?xf32>
func.func @f(%t: tensor<4x?xf32>, %i: tensor<i64>, %v: tensor<?xf32>) -> tensor<4x?xf32> {
  %0 = lamina.set_row %t[%i], %v : (tensor<4x?xf32>, tensor<i64>, tensor<?xf32>) -> tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}
