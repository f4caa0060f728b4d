// Each chunk between `// -----` lines is a module of its own, printed in order.
// RUN: lamina-opt %s --split-input-file | FileCheck %s
// Without the flag the chunks form one module, which defines @first twice.
// RUN: not lamina-opt %s 2>&1 | FileCheck %s --check-prefix=ONE

// CHECK: module {
// CHECK-NEXT: func.func @first()
// CHECK: // -----
// CHECK: module {
// CHECK-NEXT: func.func @second()
// CHECK: // -----
// CHECK: module {
// CHECK-NEXT: func.func @first()
// ONE: split-input-file.mlir:28:1: error: 'func.func' op redefinition of symbol named 'first'
func.func @first() {
  return
}

// -----

func.func @second() {
  return
}

// -----

// The same symbol in another chunk is no redefinition.
func.func @first() {
  return
}
