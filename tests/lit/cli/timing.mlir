// --mlir-timing reports each pass's time on standard error, as mlir-opt does.
// RUN: lamina-opt %s --mlir-timing --pass-pipeline='builtin.module(func.func(cse),symbol-dce)' -o /dev/null 2>&1 | FileCheck %s
// RUN: lamina-opt %s --mlir-timing --cse -o /dev/null 2>&1 | FileCheck %s --check-prefix=FLAT

// CHECK: ... Execution time report ...
// CHECK: Total Execution Time: {{[0-9.]+}} seconds
// CHECK: ----Wall Time----  ----Name----
// CHECK-DAG: 'func.func' Pipeline
// CHECK-DAG: {{^ +[0-9.]+ +\( *[0-9.]+%\) +}}CSE
// CHECK-DAG: SymbolDCE
// CHECK: Total
// FLAT: Total Execution Time:
// FLAT: CSE
func.func @f() {
  return
}
