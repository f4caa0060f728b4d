// Function calls: recursion, several results, memref arguments, private functions.
// RUN: lamina-run %s -e main -entry-point-result=void | FileCheck %s

func.func private @fib(%n: i64) -> i64 {
  %two = arith.constant 2 : i64
  %small = arith.cmpi slt, %n, %two : i64
  %r = scf.if %small -> (i64) {
    scf.yield %n : i64
  } else {
    %one = arith.constant 1 : i64
    %a = arith.subi %n, %one : i64
    %b = arith.subi %n, %two : i64
    %fa = func.call @fib(%a) : (i64) -> i64
    %fb = func.call @fib(%b) : (i64) -> i64
    %s = arith.addi %fa, %fb : i64
    scf.yield %s : i64
  }
  return %r : i64
}

func.func @divmod(%a: i32, %b: i32) -> (i32, i32) {
  %q = arith.divsi %a, %b : i32
  %r = arith.remsi %a, %b : i32
  return %q, %r : i32, i32
}

// The sum of a buffer's elements.
func.func @sum(%m: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %m, %c0 : memref<?xf64>
  %z = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%a = %z) -> (f64) {
    %x = memref.load %m[%i] : memref<?xf64>
    %a1 = arith.addf %a, %x : f64
    scf.yield %a1 : f64
  }
  return %s : f64
}

func.func @main() {
  // CHECK: 6765
  %n = arith.constant 20 : i64
  %f = call @fib(%n) : (i64) -> i64
  vector.print %f : i64
  // CHECK-NEXT: -3, -2
  %a = arith.constant -17 : i32
  %b = arith.constant 5 : i32
  %qr:2 = call @divmod(%a, %b) : (i32, i32) -> (i32, i32)
  vector.print %qr#0 : i32 punctuation <comma>
  vector.print %qr#1 : i32
  // CHECK-NEXT: 5.5
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %m = memref.alloc(%c10) : memref<?xf64>
  %tenth = arith.constant 0.1 : f64
  scf.for %i = %c0 to %c10 step %c1 {
    %i1 = arith.addi %i, %c1 : index
    %k = arith.index_cast %i1 : index to i64
    %kf = arith.sitofp %k : i64 to f64
    %x = arith.mulf %kf, %tenth : f64
    memref.store %x, %m[%i] : memref<?xf64>
  }
  %s = call @sum(%m) : (memref<?xf64>) -> f64
  vector.print %s : f64
  memref.dealloc %m : memref<?xf64>
  return
}
