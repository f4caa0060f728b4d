// The vector dialect's ops on 1-D (and a few n-D) vectors, lowered to LLVM vector
// instructions and intrinsics: broadcasts, element access, shuffles, casts, fma, reductions,
// masks, steps, and loads and stores (plain and masked) from memrefs.
// RUN: lamina-run %s -e main -entry-point-result=void | FileCheck %s

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %f = arith.constant 1.5 : f32
  %v = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : vector<4xf32>
  %w = arith.constant dense<[10.0, 20.0, 30.0, 40.0]> : vector<4xf32>

  // CHECK: ( 1.5, 1.5, 1.5, 1.5 )
  %b = vector.broadcast %f : f32 to vector<4xf32>
  vector.print %b : vector<4xf32>
  // CHECK-NEXT: ( ( 1, 2, 3, 4 ), ( 1, 2, 3, 4 ) )
  %b2 = vector.broadcast %v : vector<4xf32> to vector<2x4xf32>
  vector.print %b2 : vector<2x4xf32>
  // CHECK-NEXT: ( ( 7, 7, 7 ), ( 8, 8, 8 ) )
  %col = arith.constant dense<[[7], [8]]> : vector<2x1xi32>
  %b3 = vector.broadcast %col : vector<2x1xi32> to vector<2x3xi32>
  vector.print %b3 : vector<2x3xi32>
  // CHECK-NEXT: ( ( 1.5, 1.5 ), ( 1.5, 1.5 ) )
  %b4 = vector.broadcast %f : f32 to vector<2x2xf32>
  vector.print %b4 : vector<2x2xf32>

  // CHECK-NEXT: 3, 4, ( 1, 2, 1.5, 4 ), ( 4, 5, 6 ), ( ( 1, 2, 3 ), ( 0, 0, 9 ) )
  %e = vector.extract %v[2] : f32 from vector<4xf32>
  vector.print %e : f32 punctuation <comma>
  %ed = vector.extract %v[%c3] : f32 from vector<4xf32>
  vector.print %ed : f32 punctuation <comma>
  %ins = vector.insert %f, %v [2] : f32 into vector<4xf32>
  vector.print %ins : vector<4xf32> punctuation <comma>
  %m = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : vector<2x3xi64>
  %row = vector.extract %m[1] : vector<3xi64> from vector<2x3xi64>
  vector.print %row : vector<3xi64> punctuation <comma>
  %nine = arith.constant 9 : i64
  %zr = arith.constant dense<0> : vector<3xi64>
  %m1 = vector.insert %zr, %m [1] : vector<3xi64> into vector<2x3xi64>
  %m2 = vector.insert %nine, %m1 [1, 2] : i64 into vector<2x3xi64>
  vector.print %m2 : vector<2x3xi64>
  // CHECK-NEXT: 6
  %e2 = vector.extract %m[1, 2] : i64 from vector<2x3xi64>
  vector.print %e2 : i64

  // CHECK-NEXT: ( 1, 40, 2, 30 )
  %sh = vector.shuffle %v, %w [0, 7, 1, 6] : vector<4xf32>, vector<4xf32>
  vector.print %sh : vector<4xf32>
  // CHECK-NEXT: ( 4, 1.5, 1.5 )
  %pair = arith.constant dense<[1.5, 2.5]> : vector<2xf32>
  %sh2 = vector.shuffle %v, %pair [3, 4, 4] : vector<4xf32>, vector<2xf32>
  vector.print %sh2 : vector<3xf32>
  // CHECK-NEXT: ( ( 4, 5, 6 ), ( 1, 2, 3 ), ( 4, 5, 6 ) )
  %sh3 = vector.shuffle %m, %m [1, 0, 3] : vector<2x3xi64>, vector<2x3xi64>
  vector.print %sh3 : vector<3x3xi64>

  // CHECK-NEXT: ( 1065353216, 1073741824 )
  %two = arith.constant dense<[1.0, 2.0]> : vector<2xf32>
  %bits = vector.bitcast %two : vector<2xf32> to vector<2xi32>
  vector.print %bits : vector<2xi32>
  // CHECK-NEXT: ( 0, 16256, 0, 16384 )
  %halves = vector.bitcast %two : vector<2xf32> to vector<4xi16>
  vector.print %halves : vector<4xi16>
  // CHECK-NEXT: ( ( 1, 2 ), ( 3, 4 ) ), ( 1, 2, 3, 4, 5, 6 ), ( ( 1, 4 ), ( 2, 5 ), ( 3, 6 ) )
  %sc = vector.shape_cast %v : vector<4xf32> to vector<2x2xf32>
  vector.print %sc : vector<2x2xf32> punctuation <comma>
  %flat = vector.shape_cast %m : vector<2x3xi64> to vector<6xi64>
  vector.print %flat : vector<6xi64> punctuation <comma>
  %tr = vector.transpose %m, [1, 0] : vector<2x3xi64> to vector<3x2xi64>
  vector.print %tr : vector<3x2xi64>

  // fma: v * w + b.
  // CHECK-NEXT: ( 11.5, 41.5, 91.5, 161.5 )
  %fma = vector.fma %v, %w, %b : vector<4xf32>
  vector.print %fma : vector<4xf32>

  // Reductions, with and without an accumulator.
  // CHECK-NEXT: 10, 24, 1, 4, 11.5, 1
  %r1 = vector.reduction <add>, %v : vector<4xf32> into f32
  %r2 = vector.reduction <mul>, %v : vector<4xf32> into f32
  %r3 = vector.reduction <minnumf>, %v : vector<4xf32> into f32
  %r4 = vector.reduction <maximumf>, %v : vector<4xf32> into f32
  %r5 = vector.reduction <add>, %v, %f : vector<4xf32> into f32
  %r6 = vector.reduction <minimumf>, %v, %f : vector<4xf32> into f32
  vector.print %r1 : f32 punctuation <comma>
  vector.print %r2 : f32 punctuation <comma>
  vector.print %r3 : f32 punctuation <comma>
  vector.print %r4 : f32 punctuation <comma>
  vector.print %r5 : f32 punctuation <comma>
  vector.print %r6 : f32
  // CHECK-NEXT: 0, 24, 2, 0, 3, -4, 9, 3, 11, 3
  %iv = arith.constant dense<[3, -4, 1, -2]> : vector<4xi32>
  %acc = arith.constant 2 : i32
  %ones = arith.constant dense<[1, 2, 3, 0]> : vector<4xi32>
  %q1 = vector.reduction <add>, %iv, %acc : vector<4xi32> into i32
  %q2 = vector.reduction <mul>, %iv : vector<4xi32> into i32
  %q3 = vector.reduction <xor>, %ones, %acc : vector<4xi32> into i32
  %q4 = vector.reduction <and>, %iv : vector<4xi32> into i32
  %q5 = vector.reduction <maxsi>, %iv : vector<4xi32> into i32
  %q6 = vector.reduction <minsi>, %iv : vector<4xi32> into i32
  %q7 = vector.reduction <minui>, %iv, %acc : vector<4xi32> into i32
  %q8 = vector.reduction <or>, %ones : vector<4xi32> into i32
  %q9 = vector.reduction <maxui>, %ones, %acc : vector<4xi32> into i32
  %q10 = vector.reduction <add>, %ones, %acc : vector<4xi32> into i32
  vector.print %q1 : i32 punctuation <comma>
  vector.print %q2 : i32 punctuation <comma>
  vector.print %q3 : i32 punctuation <comma>
  vector.print %q4 : i32 punctuation <comma>
  vector.print %q5 : i32 punctuation <comma>
  vector.print %q6 : i32 punctuation <comma>
  %q7b = arith.addi %q7, %q10 : i32
  vector.print %q7b : i32 punctuation <comma>
  vector.print %q8 : i32 punctuation <comma>
  %q9b = arith.addi %q9, %q10 : i32
  vector.print %q9b : i32 punctuation <comma>
  vector.print %q9 : i32

  // Steps, elements, masks.
  // CHECK-NEXT: ( 0, 1, 2, 3, 4 ), ( 1.5, 1, 1.5 ), ( 1, 1, 1, 0 ), ( 1, 1, 0, 0, 0 )
  %st = vector.step : vector<5xindex>
  vector.print %st : vector<5xindex> punctuation <comma>
  %el = vector.from_elements %f, %r3, %f : vector<3xf32>
  vector.print %el : vector<3xf32> punctuation <comma>
  %cm = vector.constant_mask [3] : vector<4xi1>
  vector.print %cm : vector<4xi1> punctuation <comma>
  %c2 = arith.constant 2 : index
  %mk = vector.create_mask %c2 : vector<5xi1>
  vector.print %mk : vector<5xi1>
  // CHECK-NEXT: ( ( 1, 1, 0 ), ( 1, 1, 0 ), ( 0, 0, 0 ) ), ( ( 1, 0 ), ( 1, 0 ), ( 0, 0 ) )
  %cm2 = vector.constant_mask [2, 2] : vector<3x3xi1>
  vector.print %cm2 : vector<3x3xi1> punctuation <comma>
  %mk2 = vector.create_mask %c2, %c1 : vector<3x2xi1>
  vector.print %mk2 : vector<3x2xi1>
  // CHECK-NEXT: ( ( 1, 2 ), ( 3, 3 ) )
  %fe = vector.from_elements %c1, %c2, %c3, %c3 : vector<2x2xindex>
  vector.print %fe : vector<2x2xindex>

  // 0-D vectors.
  // CHECK-NEXT: 2.5, ( 4 ), ( 4, 4 )
  %z = arith.constant dense<2.5> : vector<f32>
  %ze = vector.extract %z[] : f32 from vector<f32>
  vector.print %ze : f32 punctuation <comma>
  %four = arith.constant 4.0 : f32
  %zi = vector.insert %four, %z [] : f32 into vector<f32>
  vector.print %zi : vector<f32> punctuation <comma>
  %zb = vector.broadcast %zi : vector<f32> to vector<2xf32>
  vector.print %zb : vector<2xf32>

  // Loads and stores: a buffer of 0..7.
  %buf = memref.alloc() : memref<8xf32>
  %iota = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : vector<8xf32>
  vector.store %iota, %buf[%c0] : memref<8xf32>, vector<8xf32>
  // CHECK-NEXT: ( 3, 4, 5, 6 )
  %ld = vector.load %buf[%c3] : memref<8xf32>, vector<4xf32>
  vector.print %ld : vector<4xf32>
  // CHECK-NEXT: ( 2, 3, -1, -1 )
  %pass = arith.constant dense<-1.0> : vector<4xf32>
  %mask = vector.create_mask %c2 : vector<4xi1>
  %ml = vector.maskedload %buf[%c2], %mask, %pass : memref<8xf32>, vector<4xi1>, vector<4xf32> into vector<4xf32>
  vector.print %ml : vector<4xf32>
  // CHECK-NEXT: ( 0, 10, 20, 3, 4, 5, 6, 7 )
  %tens = arith.constant dense<[10.0, 20.0, 30.0]> : vector<3xf32>
  %m3 = vector.constant_mask [2] : vector<3xi1>
  vector.maskedstore %buf[%c1], %m3, %tens : memref<8xf32>, vector<3xi1>, vector<3xf32>
  %all = vector.load %buf[%c0] : memref<8xf32>, vector<8xf32>
  vector.print %all : vector<8xf32>
  // A row of a 2-D buffer.
  // CHECK-NEXT: ( 5, 6, 3 )
  %buf2 = memref.alloc() : memref<2x4xf32>
  %lo = vector.load %buf[%c0] : memref<8xf32>, vector<4xf32>
  vector.store %lo, %buf2[%c0, %c0] : memref<2x4xf32>, vector<4xf32>
  %up2 = vector.load %buf[%c3] : memref<8xf32>, vector<4xf32>
  %shifted = vector.shuffle %up2, %up2 [1, 2, 3, 0] : vector<4xf32>, vector<4xf32>
  vector.store %shifted, %buf2[%c1, %c0] : memref<2x4xf32>, vector<4xf32>
  %r = vector.load %buf2[%c1, %c1] : memref<2x4xf32>, vector<3xf32>
  vector.print %r : vector<3xf32>
  memref.dealloc %buf2 : memref<2x4xf32>
  memref.dealloc %buf : memref<8xf32>
  return
}
