// RUN: lamina-opt %s --structured-tile | FileCheck %s

// A matmul on memrefs: A and B are packed into 64-byte aligned panels (B's in parallel, A's
// per block of rows, in an scf.parallel that the runtime may split across cores), and a 6x32
// block of C is accumulated in 12 vectors of 16 f32 (zmm registers) by broadcasts and FMAs.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT:     structured.generic
// CHECK-COUNT-3: memref.extract_strided_metadata
// CHECK:         memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?xf32>
// CHECK:         scf.parallel
// CHECK:         scf.parallel
// CHECK:         memref.alloc({{.*}}) {alignment = 64 : i64} : memref<?xf32>
// CHECK:         scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-2: vector.load {{.*}} {alignment = 64 : i64} : memref<?xf32>, vector<16xf32>
// CHECK:         vector.broadcast {{.*}} : f32 to vector<16xf32>
// CHECK-COUNT-2: vector.fma {{.*}} : vector<16xf32>
// CHECK:         vector.create_mask {{.*}} : vector<16xi1>
// CHECK:         scf.if
// CHECK:         vector.maskedload
// CHECK:         arith.addf {{.*}} : vector<16xf32>
// CHECK:         vector.maskedstore
// CHECK-NOT:     structured.generic
// CHECK:         return
func.func @matmul(%a: memref<100x33xf32>, %b: memref<33x257xf32>, %c: memref<100x257xf32>) {
  structured.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<100x33xf32>, memref<33x257xf32>) outs(%c : memref<100x257xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    structured.yield %1 : f32
  }
  return
}

// f64: 8 lanes to a register, so the 6x16 block is 12 vectors of 8.
// CHECK-LABEL: func.func @matmul_f64_transposed_b
// CHECK-NOT:     structured.generic
// CHECK:         vector.fma {{.*}} : vector<8xf64>
// CHECK-NOT:     structured.generic
// CHECK:         return
func.func @matmul_f64_transposed_b(%a: memref<?x?xf64>, %b: memref<?x?xf64>, %c: memref<?x?xf64>) {
  structured.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<?x?xf64>, memref<?x?xf64>) outs(%c : memref<?x?xf64>) {
  ^bb0(%x: f64, %y: f64, %acc: f64):
    %0 = arith.mulf %x, %y : f64
    %1 = arith.addf %0, %acc : f64
    structured.yield %1 : f64
  }
  return
}

// conv2d (NHWC input already padded, HWIO filter) is an implicit GEMM: rows (n, oh, ow),
// columns o, reduction (kh, kw, c), the input packed straight from its windows.
// CHECK-LABEL: func.func @conv
// CHECK-NOT:     structured.generic
// CHECK:         vector.fma {{.*}} : vector<16xf32>
// CHECK:         return
func.func @conv(%x: memref<2x10x10x3xf32>, %w: memref<5x5x3x8xf32>, %y: memref<2x6x6x8xf32>) {
  structured.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 + d4, d2 + d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<2x10x10x3xf32>, memref<5x5x3x8xf32>) outs(%y : memref<2x6x6x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %0 = arith.mulf %a, %b : f32
    %1 = arith.addf %acc, %0 : f32
    structured.yield %1 : f32
  }
  return
}

// Left alone: integers (no float FMA), a body that is not acc + x * y, a map that is not
// linear in the loop indices, and an elementwise multiply-add (C's innermost loop indexes
// both inputs: no operand to broadcast).
// CHECK-LABEL: func.func @untouched
// CHECK-COUNT-4: structured.generic
// CHECK-NOT:     vector.fma
func.func @untouched(%ai: memref<4x5xi32>, %bi: memref<5x6xi32>, %ci: memref<4x6xi32>, %a: memref<4x5xf32>, %b: memref<5x6xf32>, %c: memref<4x6xf32>, %c2: memref<4x5xf32>) {
  structured.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ai, %bi : memref<4x5xi32>, memref<5x6xi32>) outs(%ci : memref<4x6xi32>) {
  ^bb0(%x: i32, %y: i32, %acc: i32):
    %0 = arith.muli %x, %y : i32
    %1 = arith.addi %acc, %0 : i32
    structured.yield %1 : i32
  }
  structured.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<4x5xf32>, memref<5x6xf32>) outs(%c : memref<4x6xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.maximumf %acc, %0 : f32
    structured.yield %1 : f32
  }
  structured.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0 floordiv 2, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<4x5xf32>, memref<5x6xf32>) outs(%c : memref<4x6xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    structured.yield %1 : f32
  }
  structured.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a, %a : memref<4x5xf32>, memref<4x5xf32>) outs(%c2 : memref<4x5xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    structured.yield %1 : f32
  }
  return
}

// A zero fill of C right before the contraction: the first reduction block stores its sums
// (its loads of C masked off, the zeros their pass-through) and the fill runs only where the
// reduction is empty.
// CHECK-LABEL: func.func @matmul_into_zeros
// CHECK:         arith.cmpi slt
// CHECK-NEXT:    scf.if
// CHECK-NEXT:      structured.generic
// CHECK:         vector.fma
// CHECK:         arith.select
// CHECK-NEXT:    vector.create_mask
// CHECK:         vector.maskedload
// CHECK-NOT:     structured.generic
// CHECK:         return
func.func @matmul_into_zeros(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  structured.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%zero : f32) outs(%c : memref<?x?xf32>) {
  ^bb0(%x: f32, %y: f32):
    structured.yield %x : f32
  }
  structured.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    structured.yield %1 : f32
  }
  return
}

// Any other initial value of C (here -0.0, which a sum would turn into +0.0) is added to, as
// before: the fill stays where it was.
// CHECK-LABEL: func.func @matmul_into_negative_zeros
// CHECK-NOT:     scf.if
// CHECK:         structured.generic
// CHECK:         vector.fma
// CHECK:         return
func.func @matmul_into_negative_zeros(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  %nz = arith.constant -0.000000e+00 : f32
  structured.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%nz : f32) outs(%c : memref<?x?xf32>) {
  ^bb0(%x: f32, %y: f32):
    structured.yield %x : f32
  }
  structured.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    structured.yield %1 : f32
  }
  return
}
