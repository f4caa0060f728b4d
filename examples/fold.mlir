// Canonicalization at work:  lamina-opt examples/fold.mlir --canonicalize --cse
// Constants fold through arithmetic (2.0 * 3.0 is 6.0, 4 * 8 is 32, i + 0 is i), a comparison
// of constants folds to `true`, and an scf.if on a known condition keeps only the branch taken.
func.func @scaled_sum(%x: f32, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  %six = arith.mulf %two, %three : f32
  %zero = arith.constant 0.0 : f32
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %scaled = arith.mulf %x, %six : f32
    %next = arith.addf %acc, %scaled : f32
    scf.yield %next : f32
  }
  %always = arith.cmpi slt, %c0, %c1 : index
  %r = scf.if %always -> (f32) {
    scf.yield %sum : f32
  } else {
    %neg = arith.negf %sum : f32
    scf.yield %neg : f32
  }
  return %r : f32
}

func.func @index_math(%i: index) -> index {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %a = arith.addi %i, %c0 : index
  %b = arith.muli %c4, %c8 : index
  %c = arith.addi %a, %b : index
  return %c : index
}
