// `-p a,b` runs a list of passes anchored on the module, left to right.
// RUN: lamina-opt %s -p inline,symbol-dce | FileCheck %s
// RUN: lamina-opt %s --pass-pipeline='builtin.module(inline,symbol-dce)' | FileCheck %s
// The other order leaves the callee: it is still called when symbol-dce runs.
// RUN: lamina-opt %s -p symbol-dce,inline | FileCheck %s --check-prefix=REVERSED

// CHECK-NOT:   @helper
// CHECK-LABEL: func.func @main
// CHECK-NOT:   @helper
// REVERSED:    func.func private @helper
func.func @main(%x: i32) -> i32 {
  %0 = func.call @helper(%x) : (i32) -> i32
  return %0 : i32
}

func.func private @helper(%a: i32) -> i32 {
  return %a : i32
}
