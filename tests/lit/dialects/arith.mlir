// The arith dialect's custom forms, printed back as parsed and through the generic form.
// RUN: lamina-opt %s | lamina-opt | FileCheck %s
// RUN: lamina-opt %s --mlir-print-op-generic | lamina-opt | FileCheck %s

// CHECK-LABEL: func.func @constants
func.func @constants() -> (i32, i1, f32, f64, index, vector<4xf32>, tensor<2x2xi8>) {
  // CHECK: arith.constant 42 : i32
  %0 = arith.constant 42 : i32
  // CHECK: arith.constant false
  %1 = arith.constant false
  // CHECK: arith.constant 1.500000e+00 : f32
  %2 = arith.constant 1.5 : f32
  // CHECK: arith.constant 0x7FF0000000000000 : f64
  %3 = arith.constant 0x7FF0000000000000 : f64
  // CHECK: arith.constant -7 : index
  %4 = arith.constant -7 : index
  // CHECK: arith.constant dense<2.000000e+00> : vector<4xf32>
  %5 = arith.constant dense<2.0> : vector<4xf32>
  // CHECK: arith.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi8>
  %6 = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  return %0, %1, %2, %3, %4, %5, %6 : i32, i1, f32, f64, index, vector<4xf32>, tensor<2x2xi8>
}

// CHECK-LABEL: func.func @binary
func.func @binary(%a: i32, %b: i32, %x: f32, %y: f32, %v: vector<4xi64>) {
  // CHECK: arith.addi %arg0, %arg1 : i32
  %0 = arith.addi %a, %b : i32
  // CHECK: arith.addi %arg0, %arg1 overflow<nsw, nuw> : i32
  %1 = arith.addi %a, %b overflow<nsw, nuw> : i32
  // CHECK: arith.divsi %arg0, %arg1 : i32
  %2 = arith.divsi %a, %b : i32
  // CHECK: arith.mulf %arg2, %arg3 : f32
  %3 = arith.mulf %x, %y : f32
  // CHECK: arith.addf %arg2, %arg3 fastmath<fast> : f32
  %4 = arith.addf %x, %y fastmath<fast> : f32
  // CHECK: arith.maximumf %arg2, %arg3 : f32
  %5 = arith.maximumf %x, %y : f32
  // CHECK: arith.xori %arg4, %arg4 : vector<4xi64>
  %6 = arith.xori %v, %v : vector<4xi64>
  // CHECK: arith.negf %arg2 : f32
  %7 = arith.negf %x : f32
  return
}

// CHECK-LABEL: func.func @compare_select_cast
func.func @compare_select_cast(%a: i32, %b: i32, %x: f32, %i: index) -> (i64, f64, index, i32) {
  // CHECK: %[[C:.*]] = arith.cmpi sge, %arg0, %arg1 : i32
  %c = arith.cmpi sge, %a, %b : i32
  // CHECK: arith.cmpf olt, %arg2, %arg2 : f32
  %d = arith.cmpf olt, %x, %x : f32
  // CHECK: arith.select %[[C]], %arg0, %arg1 : i32
  %s = arith.select %c, %a, %b : i32
  // CHECK: arith.extsi %{{.*}} : i32 to i64
  %e = arith.extsi %s : i32 to i64
  // CHECK: arith.extf %arg2 : f32 to f64
  %f = arith.extf %x : f32 to f64
  // CHECK: arith.index_cast %arg0 : i32 to index
  %g = arith.index_cast %a : i32 to index
  // CHECK: arith.bitcast %arg2 : f32 to i32
  %h = arith.bitcast %x : f32 to i32
  return %e, %f, %g, %h : i64, f64, index, i32
}
