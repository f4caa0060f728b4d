// RUN: lamina-opt %s -p buffer-results-to-out-params | FileCheck %s

// A result the function allocated becomes the out param itself (no copy); a view of an
// allocation is copied into its out param and the allocation released; a dynamic result
// stays a result. `lamina.out_params` lists the results the appended arguments replace.
// CHECK-LABEL: func.func @mixed
// CHECK-SAME:    (%[[A:.*]]: memref<2x2xf32>, %[[O0:.*]]: memref<2x2xf32>, %[[O2:.*]]: memref<4xf32>) -> memref<?xf32>
// CHECK-SAME:    attributes {lamina.out_params = [0, 2]}
// CHECK-NEXT:    memref.copy %[[A]], %[[O0]]
// CHECK:         %[[D:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK-NEXT:    %[[B:.*]] = memref.alloc() : memref<2x2xf32>
// CHECK-NEXT:    %[[V:.*]] = memref.collapse_shape %[[B]]
// CHECK-NEXT:    memref.copy %[[V]], %[[O2]]
// CHECK-NEXT:    memref.dealloc %[[B]]
// CHECK-NEXT:    return %[[D]] : memref<?xf32>
func.func @mixed(%a: memref<2x2xf32>) -> (memref<2x2xf32>, memref<?xf32>, memref<4xf32>) {
  %0 = memref.alloc() : memref<2x2xf32>
  memref.copy %a, %0 : memref<2x2xf32> to memref<2x2xf32>
  %c3 = arith.constant 3 : index
  %1 = memref.alloc(%c3) : memref<?xf32>
  %2 = memref.alloc() : memref<2x2xf32>
  %3 = memref.collapse_shape %2 [[0, 1]] : memref<2x2xf32> into memref<4xf32>
  return %0, %1, %3 : memref<2x2xf32>, memref<?xf32>, memref<4xf32>
}

// A function that another calls, and a private one, keep their signatures.
// CHECK-LABEL: func.func @callee() -> memref<2xf32>
// CHECK-LABEL: func.func @caller(%{{.*}}: memref<2xf32>) attributes {lamina.out_params = [0]}
// CHECK-LABEL: func.func private @hidden() -> memref<2xf32>
func.func @callee() -> memref<2xf32> {
  %0 = memref.alloc() : memref<2xf32>
  return %0 : memref<2xf32>
}
func.func @caller() -> memref<2xf32> {
  %0 = func.call @callee() : () -> memref<2xf32>
  return %0 : memref<2xf32>
}
func.func private @hidden() -> memref<2xf32> {
  %0 = memref.alloc() : memref<2xf32>
  return %0 : memref<2xf32>
}

// A buffer returned beside a view of it: the buffer becomes its out param, the view is
// copied from that, and nothing is freed (the buffer is no longer allocated here). Before,
// the dealloc named the erased allocation.
// CHECK-LABEL: func.func @buffer_and_its_view
// CHECK-SAME:    (%[[O0:.*]]: memref<2x2xf32>, %[[O1:.*]]: memref<4xf32>)
// CHECK-NEXT:    %[[V:.*]] = memref.collapse_shape %[[O0]]
// CHECK-NEXT:    memref.copy %[[V]], %[[O1]]
// CHECK-NEXT:    return
func.func @buffer_and_its_view() -> (memref<2x2xf32>, memref<4xf32>) {
  %0 = memref.alloc() : memref<2x2xf32>
  %1 = memref.collapse_shape %0 [[0, 1]] : memref<2x2xf32> into memref<4xf32>
  return %0, %1 : memref<2x2xf32>, memref<4xf32>
}
