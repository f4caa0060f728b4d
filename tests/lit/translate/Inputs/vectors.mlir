// Vectors: constants, element access, shuffles, elementwise arithmetic with fast-math flags,
// comparisons and selects on vectors, bit casts.
// CALL: @vec(f32[1.0, -2.0, 3.5, 4.0], 2)
// CALL: @vec(f32[0.5, 0.25, -8.0, 16.0], 0)
// CALL: @ivec(i32[7, -3, 100, 0])

llvm.func @vec(%p: !llvm.ptr, %i: i32) -> f32 {
  %v = llvm.load %p {alignment = 4 : i64} : !llvm.ptr -> vector<4xf32>
  %k = llvm.mlir.constant(dense<[1.0, 10.0, 100.0, 1000.0]> : vector<4xf32>) : vector<4xf32>
  %0 = llvm.fmul %v, %k {fastmathFlags = #llvm.fastmath<nnan, ninf>} : vector<4xf32>
  %1 = llvm.shufflevector %0, %v [3, 2, 1, 0, 7, -1] : vector<4xf32> 
  %2 = llvm.extractelement %1[%i : i32] : vector<6xf32>
  %c = llvm.mlir.constant(0 : i64) : i64
  %3 = llvm.insertelement %2, %v[%c : i64] : vector<4xf32>
  %zero = llvm.mlir.zero : vector<4xf32>
  %m = llvm.fcmp "ogt" %3, %zero : vector<4xf32>
  %4 = llvm.select %m, %3, %k : vector<4xi1>, vector<4xf32>
  %5 = llvm.intr.vector.reduce.fmin(%4) : (vector<4xf32>) -> f32
  %6 = llvm.fadd %5, %2 : f32
  llvm.store %4, %p {alignment = 4 : i64} : vector<4xf32>, !llvm.ptr
  llvm.return %6 : f32
}

llvm.func @ivec(%p: !llvm.ptr) -> i64 {
  %v = llvm.load %p {alignment = 4 : i64} : !llvm.ptr -> vector<4xi32>
  %s = llvm.mlir.constant(3 : i32) : i32
  %u = llvm.mlir.undef : vector<4xi32>
  %c0 = llvm.mlir.constant(0 : i32) : i32
  %e = llvm.insertelement %s, %u[%c0 : i32] : vector<4xi32>
  %splat = llvm.shufflevector %e, %u [0, 0, 0, 0] : vector<4xi32> 
  %0 = llvm.mul %v, %splat : vector<4xi32>
  %1 = llvm.icmp "slt" %0, %v : vector<4xi32>
  %2 = llvm.sext %1 : vector<4xi1> to vector<4xi32>
  %3 = llvm.add %0, %2 : vector<4xi32>
  %lo = llvm.shufflevector %3, %3 [0, 1] : vector<4xi32> 
  %4 = llvm.bitcast %lo : vector<2xi32> to i64
  llvm.store %3, %p {alignment = 4 : i64} : vector<4xi32>, !llvm.ptr
  llvm.return %4 : i64
}
