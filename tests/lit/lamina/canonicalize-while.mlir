// RUN: lamina-opt -p canonicalize %s | FileCheck %s

// A carried value that neither a used result, the condition nor an op with effects depends
// on is dropped with the body ops computing it: %v and %w below (%w depends on %v only).
// %u stays: the print uses it.
// CHECK-LABEL: func.func @f(%arg0: tensor<i32>, %arg1: tensor<3xf32>) -> tensor<i32> {
// CHECK:         %[[R:.*]]:2 = lamina.while (%[[I:.*]] = %{{.*}}, %[[U:.*]] = %arg1) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) {
// CHECK-NEXT:      %[[C:.*]] = lamina.less %[[I]], %arg0 : (tensor<i32>, tensor<i32>) -> tensor<i1>
// CHECK-NEXT:      lamina.yield %[[C]] : tensor<i1>
// CHECK-NEXT:    } do {
// CHECK-NEXT:    ^bb0(%[[I:.*]]: tensor<i32>, %[[U:.*]]: tensor<3xf32>):
// CHECK-NOT:       lamina.exp
// CHECK-NOT:       lamina.tanh
// CHECK:           lamina.print
// CHECK-NOT:       lamina.exp
// CHECK-NOT:       lamina.tanh
// CHECK:           lamina.yield %{{.*}}, %{{.*}} : tensor<i32>, tensor<3xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[R]]#0 : tensor<i32>
func.func @f(%n: tensor<i32>, %x: tensor<3xf32>) -> tensor<i32> {
  %z = lamina.constant dense<0> : tensor<i32>
  %r:4 = lamina.while (%i = %z, %v = %x, %w = %x, %u = %x)
      : (tensor<i32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
      -> (tensor<i32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<3xf32>, %w: tensor<3xf32>, %u: tensor<3xf32>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %v2 = lamina.exp %v : tensor<3xf32>
    %w2 = lamina.tanh %v : tensor<3xf32>
    %u2 = lamina.add %u, %u : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    lamina.print "{}\0A" %u : tensor<3xf32>
    lamina.yield %i2, %v2, %w2, %u2 : tensor<i32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  }
  return %r#0 : tensor<i32>
}

// Nothing to drop: every carried value is used (the loop's results).
// CHECK-LABEL: func.func @g(
// CHECK:         lamina.while (%{{.*}} = %{{.*}}, %{{.*}} = %arg1) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>)
func.func @g(%n: tensor<i32>, %x: tensor<3xf32>) -> tensor<3xf32> {
  %z = lamina.constant dense<0> : tensor<i32>
  %r:2 = lamina.while (%i = %z, %v = %x) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) {
    %c = lamina.less %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    lamina.yield %c : tensor<i1>
  } do {
  ^bb0(%i: tensor<i32>, %v: tensor<3xf32>):
    %one = lamina.constant dense<1> : tensor<i32>
    %i2 = lamina.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %v2 = lamina.exp %v : tensor<3xf32>
    lamina.yield %i2, %v2 : tensor<i32>, tensor<3xf32>
  }
  return %r#1 : tensor<3xf32>
}
