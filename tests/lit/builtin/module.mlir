// Modules: implicit at top level, explicit, named, with attributes, nested.
// RUN: lamina-opt %s --split-input-file | lamina-opt --split-input-file | FileCheck %s
// RUN: lamina-opt %s --split-input-file --mlir-print-op-generic | lamina-opt --split-input-file | FileCheck %s

// Top-level ops are wrapped in one module.
// CHECK: module {
// CHECK-NEXT: func.func private @a()
// CHECK-NEXT: func.func private @b()
// CHECK-NEXT: }
func.func private @a()
func.func private @b()

// -----

// An explicit module at top level is the module itself, not wrapped again.
// CHECK: // -----
// CHECK-NEXT: module attributes {test.attr = 1 : i32} {
// CHECK-NEXT: func.func private @c()
// CHECK-NEXT: }
module attributes {test.attr = 1 : i32} {
  func.func private @c()
}

// -----

// CHECK: // -----
// CHECK-NEXT: module {
// CHECK-NEXT: module @inner {
// CHECK-NEXT: func.func private @d()
// CHECK-NEXT: }
// CHECK-NEXT: module {
// CHECK-NEXT: }
// CHECK-NEXT: }
module @inner {
  func.func private @d()
}
module {
}
