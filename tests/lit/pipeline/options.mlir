// Pass options in braces, as mlir-opt takes them, in a pipeline and on a pass's own flag.
// RUN: lamina-opt %s --pass-pipeline='builtin.module(canonicalize{max-iterations=3})' | FileCheck %s
// RUN: lamina-opt %s -p 'canonicalize{max-iterations=3 top-down=false}' | FileCheck %s
// RUN: lamina-opt %s '--canonicalize=max-iterations=3 top-down=false' | FileCheck %s
// RUN: lamina-opt %s --pass-pipeline='builtin.module(func.func(canonicalize{ max-iterations=1 }))' | FileCheck %s
// An option the pass does not have, or a value of the wrong kind, is an error.
// RUN: not lamina-opt %s -p 'canonicalize{no-such-option=1}' 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not lamina-opt %s -p 'canonicalize{max-iterations=many}' 2>&1 | FileCheck %s --check-prefix=VALUE

// CHECK-LABEL: func.func @f
// CHECK-NEXT:    return %arg0
func.func @f(%x: i32) -> i32 {
  %unused = func.constant @f : (i32) -> i32
  return %x : i32
}

// UNKNOWN: error: {{.*}}no-such-option
// VALUE: error: {{.*}}many{{.*}}max-iterations
