// Module level: globals (nested dense arrays, bytes, strings, zero, initializer regions,
// external and odd names, identified structs, every float width), declarations, linkage,
// calling conventions, parameter and function attributes, variadic and indirect calls.
// RUN: lamina-translate --mlir-to-llvmir %s | FileCheck %s
// The same through -o.
// RUN: lamina-translate --mlir-to-llvmir %s -o %t.ll
// RUN: FileCheck %s < %t.ll

// CHECK:      target triple = "x86_64-unknown-linux-gnu"
// CHECK:      %pair = type { ptr, i64 }
// CHECK:      @table = private constant [2 x [3 x float]] [[3 x float] [float 0x3FF0000000000000, float 0x4004000000000000, float 0xC008000000000000], [3 x float] [float 0x4010000000000000, float 0x4014000000000000, float 0x3FB99999A0000000]], align 64
// CHECK-NEXT: @bytes = internal constant [3 x i8] c"\01\FEA"
// CHECK-NEXT: @zeros = internal global [4 x double] zeroinitializer
// CHECK-NEXT: @str = private unnamed_addr constant [10 x i8] c"say \22hi\22\0A\00"
// CHECK-NEXT: @ext = external global i32
// CHECK-NEXT: @"with space" = weak global i16 7
// CHECK-NEXT: @noinit = internal global i64 undef
// CHECK-NEXT: @descr = internal global %pair { ptr @ext, i64 undef }
// CHECK-NEXT: @z = internal global { ptr, [2 x i64] } zeroinitializer
// CHECK-NEXT: @vec = internal global <2 x i32> <i32 1, i32 2>
// CHECK-NEXT: @h = internal global half 0xH3E00
// CHECK-NEXT: @x = internal global x86_fp80 0xK3BFAB8157268FDB00000
// CHECK-NEXT: @q = internal global fp128 0xL00000000000000003FFF000000000000

// CHECK:      declare i32 @printf(ptr, ...)
// CHECK:      declare extern_weak zeroext i8 @maybe(i64 signext)

// target-features would let LLVM use instructions the host may lack: it is left out
// CHECK:      define internal fastcc i64 @helper(ptr align 16 noalias captures(none) %v0, i64 noundef %v1) noinline nounwind cold "probe-stack"="inline-asm" {

// CHECK-LABEL: define i32 @caller(ptr %v0) {
// CHECK-NEXT:  bb0:
// CHECK-NEXT:    %v1 = call i32 (ptr, ...) @printf(ptr @str, i64 42)
// CHECK-NEXT:    %v2 = tail call fastcc i64 @helper(ptr %v0, i64 42) nounwind
// CHECK-NEXT:    %v3 = call fastcc i64 @helper(ptr %v0, i64 %v2)
// CHECK-NEXT:    %v4 = call i8 @maybe(i64 %v3)
// CHECK-NEXT:    ret i32 %v1

// CHECK-LABEL: define private { i32, float } @unnamed() unnamed_addr {
// CHECK-NEXT:  bb0:
// CHECK-NEXT:    ret { i32, float } { i32 3, float 0x3FF8000000000000 }

module attributes {llvm.target_triple = "x86_64-unknown-linux-gnu"} {
  llvm.mlir.global private constant @table(dense<[[1.0, 2.5, -3.0], [4.0, 5.0, 0.1]]> : tensor<2x3xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<2 x array<3 x f32>>
  llvm.mlir.global internal constant @bytes(dense<[1, -2, 65]> : tensor<3xi8>) {addr_space = 0 : i32} : !llvm.array<3 x i8>
  llvm.mlir.global internal @zeros(dense<0.0> : tensor<4xf64>) {addr_space = 0 : i32} : !llvm.array<4 x f64>
  llvm.mlir.global private unnamed_addr constant @str("say \"hi\"\0A\00") {addr_space = 0 : i32}
  llvm.mlir.global external @ext() {addr_space = 0 : i32} : i32
  llvm.mlir.global weak @"with space"(7 : i16) {addr_space = 0 : i32} : i16
  llvm.mlir.global internal @noinit() {addr_space = 0 : i32} : i64
  llvm.mlir.global internal @descr() {addr_space = 0 : i32} : !llvm.struct<"pair", (ptr, i64)> {
    %0 = llvm.mlir.undef : !llvm.struct<"pair", (ptr, i64)>
    %1 = llvm.mlir.addressof @ext : !llvm.ptr
    %2 = llvm.insertvalue %1, %0[0] : !llvm.struct<"pair", (ptr, i64)>
    llvm.return %2 : !llvm.struct<"pair", (ptr, i64)>
  }
  llvm.mlir.global internal @z() {addr_space = 0 : i32} : !llvm.struct<(ptr, array<2 x i64>)> {
    %0 = llvm.mlir.zero : !llvm.struct<(ptr, array<2 x i64>)>
    llvm.return %0 : !llvm.struct<(ptr, array<2 x i64>)>
  }
  llvm.mlir.global internal @vec(dense<[1, 2]> : vector<2xi32>) {addr_space = 0 : i32} : vector<2xi32>
  llvm.mlir.global internal @h(1.5 : f16) {addr_space = 0 : i32} : f16
  llvm.mlir.global internal @x(2.5e-310 : f80) {addr_space = 0 : i32} : f80
  llvm.mlir.global internal @q(1.0 : f128) {addr_space = 0 : i32} : f128

  llvm.func @printf(!llvm.ptr, ...) -> i32
  llvm.func extern_weak @maybe(i64 {llvm.signext}) -> (i8 {llvm.zeroext})
  llvm.func internal fastcc @helper(%a: !llvm.ptr {llvm.noalias, llvm.nocapture, llvm.align = 16 : i64}, %b: i64 {llvm.noundef}) -> i64 attributes {no_inline, no_unwind, passthrough = ["cold", ["probe-stack", "inline-asm"], "target-features"]} {
    llvm.return %b : i64
  }
  llvm.func @caller(%p: !llvm.ptr) -> i32 {
    %0 = llvm.mlir.addressof @str : !llvm.ptr
    %1 = llvm.mlir.constant(42 : i64) : i64
    %2 = llvm.call @printf(%0, %1) vararg(!llvm.func<i32 (ptr, ...)>) : (!llvm.ptr, i64) -> i32
    %3 = llvm.call fastcc tail @helper(%p, %1) {no_unwind} : (!llvm.ptr, i64) -> i64
    %4 = llvm.mlir.addressof @helper : !llvm.ptr
    %5 = llvm.call fastcc %4(%p, %3) : !llvm.ptr, (!llvm.ptr, i64) -> i64
    %6 = llvm.mlir.addressof @"with space" : !llvm.ptr
    %7 = llvm.call @maybe(%5) : (i64) -> i8
    llvm.return %2 : i32
  }
  llvm.func private unnamed_addr @unnamed() -> !llvm.struct<(i32, f32)> {
    %0 = llvm.mlir.constant([3 : i32, 1.5 : f32]) : !llvm.struct<(i32, f32)>
    llvm.return %0 : !llvm.struct<(i32, f32)>
  }
}
