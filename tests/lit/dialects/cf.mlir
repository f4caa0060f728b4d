// The cf dialect: blocks, successors with arguments, and their generic form.
// RUN: lamina-opt %s | lamina-opt | FileCheck %s
// RUN: lamina-opt %s --mlir-print-op-generic | lamina-opt | FileCheck %s
// RUN: lamina-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @blocks(%arg0: i1, %arg1: i32, %arg2: i32) -> i32 {
// CHECK-NEXT:    cf.cond_br %arg0, ^bb1(%arg1 : i32), ^bb2
// CHECK-NEXT:  ^bb1(%[[X:.*]]: i32):
// CHECK-NEXT:    cf.br ^bb3(%[[X]] : i32)
// CHECK-NEXT:  ^bb2:
// CHECK-NEXT:    cf.assert %arg0, "not taken"
// CHECK-NEXT:    cf.br ^bb3(%arg2 : i32)
// CHECK-NEXT:  ^bb3(%[[R:.*]]: i32):
// CHECK-NEXT:    return %[[R]] : i32
// GENERIC: "cf.cond_br"(%arg0, %arg1)[^bb1, ^bb2] <{operandSegmentSizes = array<i32: 1, 1, 0>}> : (i1, i32) -> ()
func.func @blocks(%c: i1, %a: i32, %b: i32) -> i32 {
  cf.cond_br %c, ^left(%a : i32), ^right
^left(%x: i32):
  cf.br ^join(%x : i32)
^right:
  cf.assert %c, "not taken"
  cf.br ^join(%b : i32)
^join(%r: i32):
  return %r : i32
}

// CHECK-LABEL: func.func @switch
// CHECK:         cf.switch %arg0 : i32, [
// CHECK-NEXT:      default: ^bb1,
// CHECK-NEXT:      0: ^bb2(%arg0 : i32)
// CHECK-NEXT:    ]
func.func @switch(%flag: i32) -> i32 {
  cf.switch %flag : i32, [
    default: ^bb1,
    0: ^bb2(%flag : i32)
  ]
^bb1:
  return %flag : i32
^bb2(%v: i32):
  return %v : i32
}
