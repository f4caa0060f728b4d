// mlir-opt's IR dumps around passes, on standard error, with mlir-opt's headers.
// RUN: lamina-opt %s --cse --dce --mlir-print-ir-after-all -o /dev/null 2>&1 | FileCheck %s --check-prefix=AFTER-ALL
// RUN: lamina-opt %s --cse --dce --print-ir-after-all -o /dev/null 2>&1 | FileCheck %s --check-prefix=AFTER-ALL
// RUN: lamina-opt %s --cse --dce --mlir-print-ir-before-all -o /dev/null 2>&1 | FileCheck %s --check-prefix=BEFORE-ALL
// RUN: lamina-opt %s --cse --dce --mlir-print-ir-before=dce -o /dev/null 2>&1 | FileCheck %s --check-prefix=BEFORE-DCE
// RUN: lamina-opt %s --cse --dce --mlir-print-ir-after=cse -o /dev/null 2>&1 | FileCheck %s --check-prefix=AFTER-CSE
// Only the passes that changed something: here cse; dce finds nothing left to do.
// RUN: lamina-opt %s --cse --dce --mlir-print-ir-after-change -o /dev/null 2>&1 | FileCheck %s --check-prefix=CHANGE
// A nested pass dumps the op it runs on, or the whole module with module scope.
// RUN: lamina-opt %s --pass-pipeline='builtin.module(func.func(cse))' --mlir-print-ir-after-all -o /dev/null 2>&1 | FileCheck %s --check-prefix=NESTED
// RUN: lamina-opt %s --pass-pipeline='builtin.module(func.func(cse))' --mlir-print-ir-after-all --mlir-print-ir-module-scope -o /dev/null 2>&1 | FileCheck %s --check-prefix=SCOPE
// Dumps go to standard error: standard output has the result only.
// RUN: lamina-opt %s --cse --mlir-print-ir-after-all 2>/dev/null | FileCheck %s --check-prefix=STDOUT

// AFTER-ALL: // -----// IR Dump After CSE (cse) //----- //
// AFTER-ALL-NEXT: module {
// AFTER-ALL: // -----// IR Dump After DCE (dce) //----- //
// AFTER-ALL-NEXT: module {
// AFTER-ALL-NOT: IR Dump

// BEFORE-ALL: // -----// IR Dump Before CSE (cse) //----- //
// BEFORE-ALL: // -----// IR Dump Before DCE (dce) //----- //
// BEFORE-ALL-NOT: IR Dump

// BEFORE-DCE-NOT: IR Dump Before CSE
// BEFORE-DCE: // -----// IR Dump Before DCE (dce) //----- //
// BEFORE-DCE-NOT: IR Dump

// AFTER-CSE: // -----// IR Dump After CSE (cse) //----- //
// AFTER-CSE-NOT: IR Dump

// CHANGE: // -----// IR Dump After CSE (cse) //----- //
// CHANGE-NOT: IR Dump

// NESTED: // -----// IR Dump After CSE (cse) //----- //
// NESTED-NEXT: func.func @f(
// SCOPE: // -----// IR Dump After CSE (cse) //----- //
// SCOPE-NEXT: module {

// STDOUT-NOT: IR Dump
// STDOUT: module {
func.func @f(%x: i32) -> i32 {
  %0 = func.constant @f : (i32) -> i32
  %1 = func.constant @f : (i32) -> i32
  %2 = func.call_indirect %0(%x) : (i32) -> i32
  %3 = func.call_indirect %1(%2) : (i32) -> i32
  return %3 : i32
}
