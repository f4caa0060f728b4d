// The runner utilities' memref printers without the C interface: `printMemrefF32(memref<*xf32>)`
// takes the unranked descriptor's fields (rank, pointer to the ranked descriptor), as most of
// MLIR's test files declare it; and the ranked C-interface printers (`printMemref2dF32`).
// RUN: lamina-run %s -e main -entry-point-result=void | FileCheck %s

func.func private @printMemrefF32(memref<*xf32>)
func.func private @printMemrefF64(memref<*xf64>)
func.func private @printMemrefI32(memref<*xi32>)
func.func private @printMemrefI64(memref<*xi64>)
func.func private @printMemrefInd(memref<*xindex>)
func.func private @printMemref2dF32(memref<?x?xf32>) attributes {llvm.emit_c_interface}
func.func private @printMemref1dI64(memref<?xi64>) attributes {llvm.emit_c_interface}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c5 = arith.constant 5 : index
  %m = memref.alloc() : memref<2x5xf32>
  %half = arith.constant 0.5 : f32
  scf.for %i = %c0 to %c2 step %c1 {
    scf.for %j = %c0 to %c5 step %c1 {
      %k = arith.muli %i, %c5 : index
      %e = arith.addi %k, %j : index
      %ei = arith.index_cast %e : index to i32
      %ef = arith.sitofp %ei : i32 to f32
      %x = arith.mulf %ef, %half : f32
      memref.store %x, %m[%i, %j] : memref<2x5xf32>
    }
  }
  // CHECK: Unranked Memref base@ = {{.*}} rank = 2 offset = 0 sizes = [2, 5] strides = [5, 1] data =
  // CHECK-NEXT: {{\[\[}}0,   0.5,   1,   1.5,   2],
  // CHECK-NEXT:  [2.5,   3,   3.5,   4,   4.5]]
  %mu = memref.cast %m : memref<2x5xf32> to memref<*xf32>
  call @printMemrefF32(%mu) : (memref<*xf32>) -> ()
  // CHECK: Memref base@ = {{.*}} rank = 2 offset = 0 sizes = [2, 5] strides = [5, 1] data =
  // CHECK-NEXT: {{\[\[}}0,   0.5,   1,   1.5,   2],
  %md = memref.cast %m : memref<2x5xf32> to memref<?x?xf32>
  call @printMemref2dF32(%md) : (memref<?x?xf32>) -> ()
  // A column of the buffer, through a subview: offset 3, stride 5.
  // CHECK: Unranked Memref base@ = {{.*}} rank = 2 offset = 3 sizes = [2, 1] strides = [5, 1] data =
  // CHECK-NEXT: {{\[\[}}1.5],
  // CHECK-NEXT:  [4]]
  %col = memref.subview %m[0, 3] [2, 1] [1, 1] : memref<2x5xf32> to memref<2x1xf32, strided<[5, 1], offset: 3>>
  %colu = memref.cast %col : memref<2x1xf32, strided<[5, 1], offset: 3>> to memref<*xf32>
  call @printMemrefF32(%colu) : (memref<*xf32>) -> ()
  memref.dealloc %m : memref<2x5xf32>

  // CHECK: Unranked Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [1] strides = [1] data =
  // CHECK-NEXT: [-0.125]
  %d = memref.alloca() : memref<1xf64>
  %dv = arith.constant -0.125 : f64
  memref.store %dv, %d[%c0] : memref<1xf64>
  %du = memref.cast %d : memref<1xf64> to memref<*xf64>
  call @printMemrefF64(%du) : (memref<*xf64>) -> ()

  // CHECK: Unranked Memref base@ = {{.*}} rank = 0 offset = 0 sizes = [] strides = [] data =
  // CHECK-NEXT: [-7]
  %i = memref.alloca() : memref<i32>
  %iv = arith.constant -7 : i32
  memref.store %iv, %i[] : memref<i32>
  %iu = memref.cast %i : memref<i32> to memref<*xi32>
  call @printMemrefI32(%iu) : (memref<*xi32>) -> ()

  // CHECK: Unranked Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [2] strides = [1] data =
  // CHECK-NEXT: [12,  13]
  // CHECK: Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [2] strides = [1] data =
  // CHECK-NEXT: [12,  13]
  // CHECK: Unranked Memref base@ = {{.*}} rank = 1 offset = 0 sizes = [2] strides = [1] data =
  // CHECK-NEXT: [12,  13]
  %l = memref.alloc() : memref<2xi64>
  %x = memref.alloc() : memref<2xindex>
  %l0 = arith.constant 12 : i64
  %l1 = arith.constant 13 : i64
  memref.store %l0, %l[%c0] : memref<2xi64>
  memref.store %l1, %l[%c1] : memref<2xi64>
  %x0 = arith.index_cast %l0 : i64 to index
  %x1 = arith.index_cast %l1 : i64 to index
  memref.store %x0, %x[%c0] : memref<2xindex>
  memref.store %x1, %x[%c1] : memref<2xindex>
  %lu = memref.cast %l : memref<2xi64> to memref<*xi64>
  call @printMemrefI64(%lu) : (memref<*xi64>) -> ()
  %ld = memref.cast %l : memref<2xi64> to memref<?xi64>
  call @printMemref1dI64(%ld) : (memref<?xi64>) -> ()
  %xu = memref.cast %x : memref<2xindex> to memref<*xindex>
  call @printMemrefInd(%xu) : (memref<*xindex>) -> ()
  memref.dealloc %l : memref<2xi64>
  memref.dealloc %x : memref<2xindex>
  return
}
