// memref.alloc/load/store/dealloc, and the runner utilities' memref printers through their C
// interface (`llvm.emit_c_interface`: the callee gets a pointer to the unranked descriptor):
// ranks 0 to 3, every element type upstream prints, a strided view.
// RUN: lamina-run %s -e main -entry-point-result=void | FileCheck %s

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func private @printMemrefF64(memref<*xf64>) attributes {llvm.emit_c_interface}
func.func private @printMemrefI8(memref<*xi8>) attributes {llvm.emit_c_interface}
func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}
func.func private @printMemrefI64(memref<*xi64>) attributes {llvm.emit_c_interface}
func.func private @printMemrefInd(memref<*xindex>) attributes {llvm.emit_c_interface}
func.func private @printMemrefShapeF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// Fills a 2-D buffer with i * cols + j, scaled.
func.func @fill(%m: memref<?x?xf32>, %scale: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %m, %c0 : memref<?x?xf32>
  %cols = memref.dim %m, %c1 : memref<?x?xf32>
  scf.for %i = %c0 to %rows step %c1 {
    scf.for %j = %c0 to %cols step %c1 {
      %r = arith.muli %i, %cols : index
      %k = arith.addi %r, %j : index
      %ki = arith.index_cast %k : index to i64
      %kf = arith.sitofp %ki : i64 to f32
      %v = arith.mulf %kf, %scale : f32
      memref.store %v, %m[%i, %j] : memref<?x?xf32>
    }
  }
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index

  // CHECK: Unranked Memref base@ = {{.*}} rank = 0 offset = 0 sizes = [] strides = [] data =
  // CHECK-NEXT: [42.5]
  %s = memref.alloc() : memref<f32>
  %f = arith.constant 42.5 : f32
  memref.store %f, %s[] : memref<f32>
  %su = memref.cast %s : memref<f32> to memref<*xf32>
  call @printMemrefF32(%su) : (memref<*xf32>) -> ()
  memref.dealloc %s : memref<f32>

  // CHECK: Unranked Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [4] strides = [1] data =
  // CHECK-NEXT: [0,  0.25,  0.5,  0.75]
  %v = memref.alloc() : memref<1x4xf32>
  %vd = memref.cast %v : memref<1x4xf32> to memref<?x?xf32>
  %quarter = arith.constant 0.25 : f32
  call @fill(%vd, %quarter) : (memref<?x?xf32>, f32) -> ()
  %v1 = memref.collapse_shape %v [[0, 1]] : memref<1x4xf32> into memref<4xf32>
  %vu = memref.cast %v1 : memref<4xf32> to memref<*xf32>
  call @printMemrefF32(%vu) : (memref<*xf32>) -> ()
  memref.dealloc %v : memref<1x4xf32>

  // CHECK: Unranked Memref base@ = {{.*}} rank = 2 offset = 0 sizes = [3, 4] strides = [4, 1] data =
  // CHECK-NEXT: {{\[\[}}0,   0.1,   0.2,   0.3],
  // CHECK-NEXT:  [0.4,   0.5,   0.6,   0.7],
  // CHECK-NEXT:  [0.8,   0.9,   1,   1.1]]
  %m = memref.alloc(%c3, %c4) : memref<?x?xf32>
  %tenth = arith.constant 0.1 : f32
  call @fill(%m, %tenth) : (memref<?x?xf32>, f32) -> ()
  %mu = memref.cast %m : memref<?x?xf32> to memref<*xf32>
  call @printMemrefF32(%mu) : (memref<*xf32>) -> ()
  call @printMemrefShapeF32(%mu) : (memref<*xf32>) -> ()
  // CHECK: Unranked Memref base@ = {{.*}} rank = 2 offset = 0 sizes = [3, 4] strides = [4, 1]{{$}}

  // A strided view: rows 1..2, columns 1 and 3.
  // CHECK: Unranked Memref base@ = {{.*}} rank = 2 offset = 5 sizes = [2, 2] strides = [4, 2] data =
  // CHECK-NEXT: {{\[\[}}0.5,   0.7],
  // CHECK-NEXT:  [0.9,   1.1]]
  %sv = memref.subview %m[1, 1] [2, 2] [1, 2] : memref<?x?xf32> to memref<2x2xf32, strided<[?, 2], offset: ?>>
  %svu = memref.cast %sv : memref<2x2xf32, strided<[?, 2], offset: ?>> to memref<*xf32>
  call @printMemrefF32(%svu) : (memref<*xf32>) -> ()
  memref.dealloc %m : memref<?x?xf32>

  // CHECK: Unranked Memref base@ = {{.*}} rank = 3 offset = 0 sizes = [2, 2, 3] strides = [6, 3, 1] data =
  // CHECK-NEXT: {{\[}}{{\[}}[0,    -1,    -2],
  // CHECK-NEXT:   [-3,    -4,    -5]],
  // CHECK-NEXT:  {{\[}}[-6,    -7,    -8],
  // CHECK-NEXT:   [-9,    -10,    -11]]]
  %t = memref.alloc() : memref<2x2x3xi32>
  scf.for %i = %c0 to %c2 step %c1 {
    scf.for %j = %c0 to %c2 step %c1 {
      scf.for %k = %c0 to %c3 step %c1 {
        %a = arith.muli %i, %c2 : index
        %b = arith.addi %a, %j : index
        %b3 = arith.muli %b, %c3 : index
        %e = arith.addi %b3, %k : index
        %ei = arith.index_cast %e : index to i32
        %z = arith.constant 0 : i32
        %n = arith.subi %z, %ei : i32
        memref.store %n, %t[%i, %j, %k] : memref<2x2x3xi32>
      }
    }
  }
  %tu = memref.cast %t : memref<2x2x3xi32> to memref<*xi32>
  call @printMemrefI32(%tu) : (memref<*xi32>) -> ()
  memref.dealloc %t : memref<2x2x3xi32>

  // f64, i64 and index elements; int8 elements print as characters.
  // CHECK: sizes = [2] strides = [1] data =
  // CHECK-NEXT: [1e+100,  -2.5e-05]
  %d = memref.alloc() : memref<2xf64>
  %d0 = arith.constant 1.0e100 : f64
  %d1 = arith.constant -2.5e-5 : f64
  memref.store %d0, %d[%c0] : memref<2xf64>
  memref.store %d1, %d[%c1] : memref<2xf64>
  %du = memref.cast %d : memref<2xf64> to memref<*xf64>
  call @printMemrefF64(%du) : (memref<*xf64>) -> ()
  memref.dealloc %d : memref<2xf64>
  // CHECK: sizes = [2] strides = [1] data =
  // CHECK-NEXT: [-9223372036854775808,  9223372036854775807]
  %l = memref.alloc() : memref<2xi64>
  %lmin = arith.constant -9223372036854775808 : i64
  %lmax = arith.constant 9223372036854775807 : i64
  memref.store %lmin, %l[%c0] : memref<2xi64>
  memref.store %lmax, %l[%c1] : memref<2xi64>
  %lu = memref.cast %l : memref<2xi64> to memref<*xi64>
  call @printMemrefI64(%lu) : (memref<*xi64>) -> ()
  // CHECK: sizes = [2] strides = [1] data =
  // CHECK-NEXT: [9223372036854775808,  9223372036854775807]
  %x = memref.alloc() : memref<2xindex>
  %xmin = arith.index_cast %lmin : i64 to index
  %xmax = arith.index_cast %lmax : i64 to index
  memref.store %xmin, %x[%c0] : memref<2xindex>
  memref.store %xmax, %x[%c1] : memref<2xindex>
  %xu = memref.cast %x : memref<2xindex> to memref<*xindex>
  call @printMemrefInd(%xu) : (memref<*xindex>) -> ()
  memref.dealloc %x : memref<2xindex>
  memref.dealloc %l : memref<2xi64>
  // CHECK: sizes = [3] strides = [1] data =
  // CHECK-NEXT: [a,  b,  c]
  %c = memref.alloc() : memref<3xi8>
  %ca = arith.constant 97 : i8
  scf.for %i = %c0 to %c3 step %c1 {
    %ii = arith.index_cast %i : index to i8
    %ch = arith.addi %ca, %ii : i8
    memref.store %ch, %c[%i] : memref<3xi8>
  }
  %cu = memref.cast %c : memref<3xi8> to memref<*xi8>
  call @printMemrefI8(%cu) : (memref<*xi8>) -> ()
  memref.dealloc %c : memref<3xi8>
  return
}
