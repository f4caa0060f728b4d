// Control flow: block arguments become phis; an edge to a block already reached from the
// same terminator with arguments goes through a block of its own (each phi entry names one
// edge); blocks nothing reaches are left out; branch weights become !prof metadata.
// RUN: lamina-translate --mlir-to-llvmir %s | FileCheck %s

// CHECK-LABEL: define i64 @loop(i64 %v0) {
// CHECK-NEXT:  bb0:
// CHECK-NEXT:    br label %bb1
// CHECK-NEXT:  bb1:
// CHECK-NEXT:    %v1 = phi i64 [ 0, %bb0 ], [ %v4, %bb2 ]
// CHECK-NEXT:    %v2 = phi i64 [ 1, %bb0 ], [ %v5, %bb2 ]
// CHECK-NEXT:    %v3 = icmp slt i64 %v1, %v0
// CHECK-NEXT:    br i1 %v3, label %bb2, label %bb3, !prof [[W:![0-9]+]]
// CHECK-NEXT:  bb2:
// CHECK-NEXT:    %v4 = add i64 %v1, 1
// CHECK-NEXT:    %v5 = mul i64 %v2, %v4
// CHECK-NEXT:    br label %bb1
// CHECK-NEXT:  bb3:
// CHECK-NEXT:    ret i64 %v2
// CHECK-NEXT:  }
llvm.func @loop(%n: i64) -> i64 {
  %0 = llvm.mlir.constant(0 : i64) : i64
  %1 = llvm.mlir.constant(1 : i64) : i64
  llvm.br ^head(%0, %1 : i64, i64)
^head(%i: i64, %acc: i64):
  %c = llvm.icmp "slt" %i, %n : i64
  llvm.cond_br %c weights([90, 10]), ^body, ^exit
^body:
  %i1 = llvm.add %i, %1 : i64
  %acc1 = llvm.mul %acc, %i1 : i64
  llvm.br ^head(%i1, %acc1 : i64, i64)
^exit:
  llvm.return %acc : i64
^never(%x: i64):
  llvm.br ^never(%x : i64)
}

// CHECK-LABEL: define i64 @same_target(i1 %v0, i64 %v1, i64 %v2) {
// CHECK-NEXT:  bb0:
// CHECK-NEXT:    br i1 %v0, label %bb1, label %[[EDGE:bb0.e1]]
// CHECK-NEXT:  [[EDGE]]:
// CHECK-NEXT:    br label %bb1
// CHECK-NEXT:  bb1:
// CHECK-NEXT:    %v3 = phi i64 [ %v1, %bb0 ], [ %v2, %[[EDGE]] ]
llvm.func @same_target(%c: i1, %a: i64, %b: i64) -> i64 {
  llvm.cond_br %c, ^join(%a : i64), ^join(%b : i64)
^join(%x: i64):
  llvm.return %x : i64
}

// Without arguments the same block may be named twice.
// CHECK-LABEL: define void @no_args_twice(i1 %v0) {
// CHECK-NEXT:  bb0:
// CHECK-NEXT:    br i1 %v0, label %bb1, label %bb1
llvm.func @no_args_twice(%c: i1) {
  llvm.cond_br %c, ^next, ^next
^next:
  llvm.return
}

// CHECK-LABEL: define i64 @switch(i32 %v0, i64 %v1) {
// CHECK-NEXT:  bb0:
// CHECK-NEXT:    switch i32 %v0, label %bb2 [
// CHECK-NEXT:      i32 -1, label %[[E1:bb0.e1]]
// CHECK-NEXT:      i32 3, label %bb1
// CHECK-NEXT:      i32 5, label %[[E3:bb0.e3]]
// CHECK-NEXT:    ]
// CHECK:       bb1:
// CHECK-NEXT:    unreachable
// CHECK-NEXT:  bb2:
// CHECK-NEXT:    %v2 = phi i64 [ %v1, %bb0 ], [ 7, %[[E1]] ], [ %v1, %[[E3]] ]

// CHECK: [[W]] = !{!"branch_weights", i32 90, i32 10}
llvm.func @switch(%v: i32, %a: i64) -> i64 {
  %k = llvm.mlir.constant(7 : i64) : i64
  llvm.switch %v : i32, ^out(%a : i64) [
    4294967295: ^out(%k : i64),
    3: ^three,
    5: ^out(%a : i64)
  ]
^three:
  llvm.unreachable
^out(%r: i64):
  llvm.return %r : i64
}
