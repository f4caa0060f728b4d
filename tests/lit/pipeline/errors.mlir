// A bad pipeline is reported before any input is read, with exit code 1 and no output.
// RUN: not lamina-opt %s -p no-such-pass 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not lamina-opt %s --pass-pipeline='builtin.module(no-such-pass)' 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not lamina-opt %s --pass-pipeline='builtin.module(func.func(cse)' 2>&1 | FileCheck %s --check-prefix=PARENS
// RUN: not lamina-opt %s --pass-pipeline='builtin.module(cse))' 2>&1 | FileCheck %s --check-prefix=TRAILING
// RUN: not lamina-opt %s --pass-pipeline='builtin.module(cse!)' 2>&1 | FileCheck %s --check-prefix=SYNTAX
// RUN: not lamina-opt %s --no-such-flag 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: not lamina-opt %s -p no-such-pass > %t.out 2>/dev/null
// RUN: test ! -s %t.out

// UNKNOWN: error: 'no-such-pass' does not refer to a registered pass or pass pipeline
// PARENS: error: {{.*}}parenthes
// TRAILING: error:
// SYNTAX: error:
// FLAG: Unknown command line argument '--no-such-flag'
// CHECK-NOT: Traceback
func.func @f() {
  return
}
