// Ops of unknown dialects are an error, unless --allow-unregistered-dialect: then they are kept
// as opaque generic ops, with their operands, regions, successors and attributes.
// RUN: not lamina-opt %s 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: lamina-opt %s --allow-unregistered-dialect | FileCheck %s
// RUN: lamina-opt %s --allow-unregistered-dialect | lamina-opt --allow-unregistered-dialect | FileCheck %s
// RUN: lamina-opt %s --allow-unregistered-dialect --mlir-print-op-generic | lamina-opt --allow-unregistered-dialect | FileCheck %s
// Passes leave unknown ops alone: they may have side effects.
// RUN: lamina-opt %s --allow-unregistered-dialect --cse --dce --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @f(%arg0: i32) -> i32 {
// CHECK-NEXT:    %[[A:.*]] = "foo.op"(%arg0) {attr = 1 : i32} : (i32) -> i32
// CHECK-NEXT:    "foo.region"(%[[A]]) ({
// CHECK-NEXT:    ^bb0(%[[X:.*]]: i32):
// CHECK-NEXT:      "foo.yield"(%[[X]]) : (i32) -> ()
// CHECK-NEXT:    }) : (i32) -> ()
// CHECK-NEXT:    "foo.effect"() : () -> ()
// CHECK-NEXT:    "foo.br"()[^bb1] : () -> ()
// CHECK-NEXT:  ^bb1:
// CHECK-NEXT:    return %[[A]] : i32
func.func @f(%a: i32) -> i32 {
  // ERR: unregistered.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: {{.*}}unregistered dialect 'foo'
  %0 = "foo.op"(%a) {attr = 1 : i32} : (i32) -> i32
  "foo.region"(%0) ({
  ^bb0(%x: i32):
    "foo.yield"(%x) : (i32) -> ()
  }) : (i32) -> ()
  "foo.effect"() : () -> ()
  "foo.br"()[^bb1] : () -> ()
^bb1:
  return %0 : i32
}
