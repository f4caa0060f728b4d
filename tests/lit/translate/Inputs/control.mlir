// Control flow: block arguments as phis, loops, switch, a cond_br reaching one block twice
// with different arguments, and a block nothing reaches.
// CALL: @fib(0)
// CALL: @fib(1)
// CALL: @fib(10)
// CALL: @fib(50)
// CALL: @pick(1, 10, 20)
// CALL: @pick(0, 10, 20)
// CALL: @classify(0)
// CALL: @classify(1)
// CALL: @classify(2)
// CALL: @classify(-7)
// CALL: @classify(99)
// CALL: @collatz(27)
// CALL: @collatz(1)

llvm.func @fib(%n: i64) -> i64 {
  %0 = llvm.mlir.constant(0 : i64) : i64
  %1 = llvm.mlir.constant(1 : i64) : i64
  llvm.br ^loop(%0, %0, %1 : i64, i64, i64)
^loop(%i: i64, %a: i64, %b: i64):
  %done = llvm.icmp "sge" %i, %n : i64
  llvm.cond_br %done, ^exit(%a : i64), ^body
^body:
  %next = llvm.add %a, %b : i64
  %i1 = llvm.add %i, %1 : i64
  // the two values swap places: phis read them in parallel
  llvm.br ^loop(%i1, %b, %next : i64, i64, i64)
^exit(%r: i64):
  llvm.return %r : i64
^dead(%x: i64):
  %y = llvm.add %x, %x : i64
  llvm.br ^dead(%y : i64)
}

llvm.func @pick(%c: i1, %a: i64, %b: i64) -> i64 {
  llvm.cond_br %c, ^join(%a : i64), ^join(%b : i64)
^join(%x: i64):
  llvm.return %x : i64
}

llvm.func @classify(%v: i32) -> i64 {
  %c100 = llvm.mlir.constant(100 : i64) : i64
  %c200 = llvm.mlir.constant(200 : i64) : i64
  %c300 = llvm.mlir.constant(300 : i64) : i64
  llvm.switch %v : i32, ^out(%c100 : i64) [
    0: ^out(%c200 : i64),
    1: ^out(%c300 : i64),
    2: ^two,
    -7: ^out(%c100 : i64)
  ]
^two:
  %c2 = llvm.mlir.constant(2 : i64) : i64
  llvm.br ^out(%c2 : i64)
^out(%r: i64):
  llvm.return %r : i64
}

llvm.func @collatz(%n: i64) -> i64 {
  %0 = llvm.mlir.constant(0 : i64) : i64
  %1 = llvm.mlir.constant(1 : i64) : i64
  %2 = llvm.mlir.constant(2 : i64) : i64
  %3 = llvm.mlir.constant(3 : i64) : i64
  llvm.br ^head(%n, %0 : i64, i64)
^head(%x: i64, %steps: i64):
  %one = llvm.icmp "eq" %x, %1 : i64
  llvm.cond_br %one, ^exit, ^step
^step:
  %r = llvm.urem %x, %2 : i64
  %even = llvm.icmp "eq" %r, %0 : i64
  %s1 = llvm.add %steps, %1 overflow<nsw, nuw> : i64
  %h = llvm.udiv %x, %2 : i64
  llvm.cond_br %even weights([3, 1]), ^head(%h, %s1 : i64, i64), ^odd
^odd:
  %t = llvm.mul %x, %3 : i64
  %t1 = llvm.add %t, %1 : i64
  llvm.br ^head(%t1, %s1 : i64, i64)
^exit:
  llvm.return %steps : i64
}
