// Structured control flow: scf.for (with loop-carried values, nested), scf.while, scf.if.
// RUN: lamina-run %s -e main -entry-point-result=void | FileCheck %s

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0 : i64
  // The sum of 0..9.
  // CHECK: 45
  %sum = scf.for %i = %c0 to %c10 step %c1 iter_args(%acc = %zero) -> (i64) {
    %ii = arith.index_cast %i : index to i64
    %next = arith.addi %acc, %ii : i64
    scf.yield %next : i64
  }
  vector.print %sum : i64
  // A multiplication table, one row per line; step 2 on the inner loop.
  // CHECK-NEXT: 0, 0, 0,
  // CHECK-NEXT: 0, 2, 4,
  // CHECK-NEXT: 0, 4, 8,
  %c2 = arith.constant 2 : index
  %c6 = arith.constant 6 : index
  scf.for %i = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c6 step %c2 {
      %p = arith.muli %i, %j : index
      vector.print %p : index punctuation <comma>
    }
    vector.print
  }
  // Collatz steps from 27, with scf.while.
  // CHECK-NEXT: 111
  %n0 = arith.constant 27 : i64
  %one = arith.constant 1 : i64
  %two = arith.constant 2 : i64
  %three = arith.constant 3 : i64
  %res:2 = scf.while (%n = %n0, %steps = %zero) : (i64, i64) -> (i64, i64) {
    %more = arith.cmpi ne, %n, %one : i64
    scf.condition(%more) %n, %steps : i64, i64
  } do {
  ^bb0(%n: i64, %steps: i64):
    %r = arith.remui %n, %two : i64
    %even = arith.cmpi eq, %r, %zero : i64
    %m = scf.if %even -> (i64) {
      %h = arith.divui %n, %two : i64
      scf.yield %h : i64
    } else {
      %t = arith.muli %n, %three : i64
      %t1 = arith.addi %t, %one : i64
      scf.yield %t1 : i64
    }
    %s1 = arith.addi %steps, %one : i64
    scf.yield %m, %s1 : i64, i64
  }
  vector.print %res#1 : i64
  // scf.if without results, and a float loop.
  // CHECK-NEXT: odd
  // CHECK-NEXT: 3.14159
  %c7 = arith.constant 7 : index
  %r7 = arith.remui %c7, %c2 : index
  %is_odd = arith.cmpi eq, %r7, %c1 : index
  scf.if %is_odd {
    vector.print str "odd\n"
  } else {
    vector.print str "even\n"
  }
  // Leibniz: 4 * sum (-1)^k / (2k + 1), summed two terms at a time.
  %fz = arith.constant 0.0 : f64
  %f1 = arith.constant 1.0 : f64
  %f3 = arith.constant 3.0 : f64
  %f4 = arith.constant 4.0 : f64
  %n = arith.constant 100000 : index
  %pi4 = scf.for %k = %c0 to %n step %c1 iter_args(%a = %fz) -> (f64) {
    %ki = arith.index_cast %k : index to i64
    %kf = arith.sitofp %ki : i64 to f64
    %b = arith.mulf %kf, %f4 : f64
    %d1 = arith.addf %b, %f1 : f64
    %d2 = arith.addf %b, %f3 : f64
    %t1 = arith.divf %f1, %d1 : f64
    %t2 = arith.divf %f1, %d2 : f64
    %t = arith.subf %t1, %t2 : f64
    %a1 = arith.addf %a, %t : f64
    scf.yield %a1 : f64
  }
  %pi = arith.mulf %pi4, %f4 : f64
  vector.print %pi : f64
  return
}
