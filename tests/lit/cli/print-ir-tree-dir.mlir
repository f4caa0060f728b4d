// --mlir-print-ir-tree-dir writes one file per dump, in a tree named after the ops' nesting.
// RUN: rm -rf %t && lamina-opt %s --pass-pipeline='builtin.module(func.func(cse),symbol-dce)' --mlir-print-ir-after-all --mlir-print-ir-tree-dir=%t -o /dev/null
// RUN: ls -R %t | FileCheck %s --check-prefix=FILES
// RUN: cat %t/builtin_module_no-symbol-name/*_symbol-dce.mlir | FileCheck %s

// FILES-DAG: func_func_f
// FILES-DAG: func_func_g
// FILES-DAG: symbol-dce.mlir
// FILES-DAG: cse.mlir

// CHECK: func.func @f
func.func @f() {
  return
}
func.func @g() {
  return
}
