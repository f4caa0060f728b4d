// RUN: lamina-opt %s --mlir-print-debuginfo | FileCheck %s
// Locations survive printing and parsing back, so a second run still names this file.
// RUN: lamina-opt %s --mlir-print-debuginfo | lamina-opt --mlir-print-debuginfo | FileCheck %s
// RUN: lamina-opt %s --mlir-print-debuginfo --mlir-print-op-generic | lamina-opt --mlir-print-debuginfo | FileCheck %s
// Without the flag no location is printed.
// RUN: lamina-opt %s | FileCheck %s --check-prefix=NOLOC

#alias = loc("aliased.py":9:1)

// CHECK-LABEL: func.func @f
// NOLOC-NOT: loc(
func.func @f(%x: i32) -> i32 {
  // CHECK: call @f(%arg0) : (i32) -> i32 loc("model.py":12:5)
  %0 = func.call @f(%x) : (i32) -> i32 loc("model.py":12:5)
  // CHECK: loc("relu"("model.py":13:5))
  %1 = func.call @f(%0) : (i32) -> i32 loc("relu"("model.py":13:5))
  // CHECK: loc(fused["a.py":1:2, "b.py":3:4])
  %2 = func.call @f(%1) : (i32) -> i32 loc(fused["a.py":1:2, "b.py":3:4])
  // CHECK: loc(callsite("callee.py":1:1 at "caller.py":2:2))
  %3 = func.call @f(%2) : (i32) -> i32 loc(callsite("callee.py":1:1 at "caller.py":2:2))
  // CHECK: loc(unknown)
  %4 = func.call @f(%3) : (i32) -> i32 loc(unknown)
  // CHECK: loc("aliased.py":9:1)
  %5 = func.call @f(%4) : (i32) -> i32 loc(#alias)
  // CHECK: loc(fused<"tag">["a.py":1:2])
  %6 = func.call @f(%5) : (i32) -> i32 loc(fused<"tag">["a.py":1:2])
  // An op without a written location gets its position in this file.
  // CHECK: return %{{.*}} : i32 loc("{{.*}}debuginfo.mlir":[[# @LINE + 1]]:3)
  return %6 : i32
// CHECK: } loc("{{.*}}debuginfo.mlir":12:1)
}
