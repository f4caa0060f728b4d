// RUN: lamina-opt %s --cse --allow-unregistered-dialect | FileCheck %s
// RUN: lamina-opt %s -p cse --allow-unregistered-dialect | FileCheck %s

// Identical pure ops fold into the first; the second's uses move to it.
// CHECK-LABEL: func.func @same_constant
// CHECK-NEXT:    %[[F:.*]] = {{(func\.)?}}constant @callee
// CHECK-NEXT:    %[[A:.*]] = {{(func\.)?}}call_indirect %[[F]](%arg0)
// CHECK-NEXT:    {{(func\.)?}}call_indirect %[[F]](%[[A]])
func.func @same_constant(%x: i32) -> i32 {
  %0 = func.constant @callee : (i32) -> i32
  %1 = func.constant @callee : (i32) -> i32
  %2 = func.call_indirect %0(%x) : (i32) -> i32
  %3 = func.call_indirect %1(%2) : (i32) -> i32
  return %3 : i32
}

// Different properties: nothing to eliminate.
// CHECK-LABEL: func.func @different
// CHECK:         constant @callee
// CHECK:         constant @other
func.func @different(%x: i32) -> i32 {
  %0 = func.constant @callee : (i32) -> i32
  %1 = func.constant @other : (i32) -> i32
  %2 = func.call_indirect %0(%x) : (i32) -> i32
  %3 = func.call_indirect %1(%2) : (i32) -> i32
  return %3 : i32
}

// Calls may have side effects: two calls stay two calls.
// CHECK-LABEL: func.func @calls_stay
// CHECK-COUNT-2: call @callee(%arg0)
func.func @calls_stay(%x: i32) -> i32 {
  %0 = func.call @callee(%x) : (i32) -> i32
  %1 = func.call @callee(%x) : (i32) -> i32
  return %1 : i32
}

// An op in a nested region reuses a dominating equal op of the enclosing region.
// CHECK-LABEL: func.func @nested
// CHECK:         %[[F:.*]] = {{(func\.)?}}constant @callee
// CHECK:         "test.region"() ({
// CHECK-NEXT:      "test.use"(%[[F]])
func.func @nested() {
  %0 = func.constant @callee : (i32) -> i32
  "test.region"() ({
    %1 = func.constant @callee : (i32) -> i32
    "test.use"(%1) : ((i32) -> i32) -> ()
  }) : () -> ()
  "test.use"(%0) : ((i32) -> i32) -> ()
  return
}

func.func private @callee(i32) -> i32
func.func private @other(i32) -> i32
