// RUN: lamina-opt %s --dce --allow-unregistered-dialect | FileCheck %s

// Unused pure ops go, ops with side effects (calls, unknown ops) stay.
// CHECK-LABEL: func.func @dead
// CHECK-NEXT:    %[[F:.*]] = {{(func\.)?}}constant @callee
// CHECK-NEXT:    {{(func\.)?}}call_indirect %[[F]](%arg0)
// CHECK-NEXT:    call @callee(%arg0)
// CHECK-NEXT:    "test.unknown"()
// CHECK-NEXT:    return %arg0
func.func @dead(%x: i32) -> i32 {
  %0 = func.constant @callee : (i32) -> i32
  %1 = func.constant @callee : (i32) -> i32
  %2 = func.call_indirect %1(%x) : (i32) -> i32
  %3 = func.call @callee(%x) : (i32) -> i32
  "test.unknown"() : () -> ()
  return %x : i32
}

// A chain of dead ops goes as a whole.
// CHECK-LABEL: func.func @chain
// CHECK-NEXT:    return
func.func @chain() {
  %0 = func.constant @callee : (i32) -> i32
  %1 = "builtin.unrealized_conversion_cast"(%0) : ((i32) -> i32) -> i64
  return
}

func.func private @callee(i32) -> i32
