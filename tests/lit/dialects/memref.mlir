// The memref dialect's custom forms, printed back as parsed and through the generic form.
// RUN: lamina-opt %s | lamina-opt | FileCheck %s
// RUN: lamina-opt %s --mlir-print-op-generic | lamina-opt | FileCheck %s

// CHECK-LABEL: func.func @memrefs
func.func @memrefs(%n: index, %v: f32) -> f32 {
  %c0 = arith.constant 0 : index
  // CHECK: %[[A:.*]] = memref.alloc(%arg0) {alignment = 64 : i64} : memref<?x4xf32>
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
  // CHECK: %[[B:.*]] = memref.alloca() : memref<4xf32>
  %b = memref.alloca() : memref<4xf32>
  // CHECK: memref.store %arg1, %[[A]][%{{.*}}, %{{.*}}] : memref<?x4xf32>
  memref.store %v, %a[%c0, %c0] : memref<?x4xf32>
  // CHECK: memref.load %[[A]][%{{.*}}, %{{.*}}] : memref<?x4xf32>
  %x = memref.load %a[%c0, %c0] : memref<?x4xf32>
  // CHECK: memref.dim %[[A]], %{{.*}} : memref<?x4xf32>
  %d = memref.dim %a, %c0 : memref<?x4xf32>
  // CHECK: memref.subview %[[A]][0, 1] [2, 2] [1, 1] : memref<?x4xf32> to memref<2x2xf32, strided<[4, 1], offset: 1>>
  %s = memref.subview %a[0, 1] [2, 2] [1, 1] : memref<?x4xf32> to memref<2x2xf32, strided<[4, 1], offset: 1>>
  // CHECK: memref.cast %[[B]] : memref<4xf32> to memref<?xf32>
  %c = memref.cast %b : memref<4xf32> to memref<?xf32>
  // CHECK: memref.copy %[[B]], %[[B]] : memref<4xf32> to memref<4xf32>
  memref.copy %b, %b : memref<4xf32> to memref<4xf32>
  // CHECK: memref.dealloc %[[A]] : memref<?x4xf32>
  memref.dealloc %a : memref<?x4xf32>
  return %x : f32
}

// CHECK: memref.global "private" constant @table : memref<2xf32> = dense<[1.000000e+00, 2.000000e+00]>
memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>

// CHECK-LABEL: func.func @globals
// CHECK: memref.get_global @table : memref<2xf32>
func.func @globals() -> memref<2xf32> {
  %0 = memref.get_global @table : memref<2xf32>
  return %0 : memref<2xf32>
}
