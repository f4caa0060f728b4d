// Intrinsics: calls of `llvm.<name>.<overload suffixes>` with LLVM's mangling, immediate
// arguments from properties, fast-math flags on the call, and one declaration per intrinsic.
// RUN: lamina-translate --mlir-to-llvmir %s | FileCheck %s

// CHECK-LABEL: define void @intrinsics(
// CHECK-NEXT:  bb0:
// CHECK-NEXT:    %v8 = call float @llvm.fma.f32(float %v0, float %v0, float %v0)
// CHECK-NEXT:    %v9 = call reassoc float @llvm.vector.reduce.fadd.v16f32(float %v0, <16 x float> %v1)
// CHECK-NEXT:    %v10 = call nnan <8 x double> @llvm.maxnum.v8f64(<8 x double> %v2, <8 x double> %v2)
// CHECK-NEXT:    %v11 = call i32 @llvm.smax.i32(i32 %v3, i32 %v3)
// CHECK-NEXT:    %v12 = call i32 @llvm.ctlz.i32(i32 %v3, i1 true)
// CHECK-NEXT:    %v13 = call float @llvm.powi.f32.i32(float %v0, i32 %v3)
// CHECK-NEXT:    call void @llvm.memcpy.p0.p0.i64(ptr %v4, ptr %v5, i64 %v6, i1 false)
// CHECK-NEXT:    call void @llvm.memset.p0.i64(ptr %v4, i8 0, i64 %v6, i1 true)
// CHECK-NEXT:    %v14 = call <8 x double> @llvm.masked.load.v8f64.p0(ptr align 8 %v4, <8 x i1> %v7, <8 x double> poison)
// CHECK-NEXT:    call void @llvm.masked.store.v8f64.p0(<8 x double> %v14, ptr align 8 %v5, <8 x i1> %v7)
// CHECK-NEXT:    %v15 = call float @llvm.fma.f32(float %v0, float %v8, float %v0)

// CHECK:      declare float @llvm.fma.f32(float, float, float)
// CHECK-NEXT: declare float @llvm.vector.reduce.fadd.v16f32(float, <16 x float>)
// CHECK-NEXT: declare <8 x double> @llvm.maxnum.v8f64(<8 x double>, <8 x double>)
// CHECK-NEXT: declare i32 @llvm.smax.i32(i32, i32)
// CHECK-NEXT: declare i32 @llvm.ctlz.i32(i32, i1)
// CHECK-NEXT: declare float @llvm.powi.f32.i32(float, i32)
// CHECK-NEXT: declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
// CHECK-NEXT: declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
// CHECK-NEXT: declare <8 x double> @llvm.masked.load.v8f64.p0(ptr, <8 x i1>, <8 x double>)
// CHECK-NEXT: declare void @llvm.masked.store.v8f64.p0(<8 x double>, ptr, <8 x i1>)
// CHECK-NOT:  declare

llvm.func @intrinsics(%a: f32, %v: vector<16xf32>, %w: vector<8xf64>, %i: i32, %p: !llvm.ptr, %q: !llvm.ptr, %n: i64, %m: vector<8xi1>) {
  %0 = llvm.intr.fma(%a, %a, %a) : (f32, f32, f32) -> f32
  %1 = "llvm.intr.vector.reduce.fadd"(%a, %v) <{fastmathFlags = #llvm.fastmath<reassoc>}> : (f32, vector<16xf32>) -> f32
  %2 = llvm.intr.maxnum(%w, %w) {fastmathFlags = #llvm.fastmath<nnan>} : (vector<8xf64>, vector<8xf64>) -> vector<8xf64>
  %3 = llvm.intr.smax(%i, %i) : (i32, i32) -> i32
  %4 = "llvm.intr.ctlz"(%i) <{is_zero_poison = true}> : (i32) -> i32
  %5 = llvm.intr.powi(%a, %i) : (f32, i32) -> f32
  "llvm.intr.memcpy"(%p, %q, %n) <{isVolatile = false}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
  %c = llvm.mlir.constant(0 : i8) : i8
  "llvm.intr.memset"(%p, %c, %n) <{isVolatile = true}> : (!llvm.ptr, i8, i64) -> ()
  %6 = llvm.intr.masked.load %p, %m {alignment = 8 : i32} : (!llvm.ptr, vector<8xi1>) -> vector<8xf64>
  llvm.intr.masked.store %6, %q, %m {alignment = 8 : i32} : vector<8xf64>, vector<8xi1> into !llvm.ptr
  %7 = llvm.intr.fma(%a, %0, %a) : (f32, f32, f32) -> f32
  llvm.return
}
