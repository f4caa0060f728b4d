// Instructions: integer and fast-math flags, casts, comparisons, memory accesses, address
// arithmetic, aggregates and vectors, as mlir-translate writes them.
// RUN: lamina-translate --mlir-to-llvmir %s | FileCheck %s

// CHECK-LABEL: define i64 @int_flags(i64 %v0, i64 %v1) {
// CHECK-NEXT:  bb0:
// CHECK-NEXT:    %v2 = add nuw nsw i64 %v0, %v1
// CHECK-NEXT:    %v3 = sub nsw i64 %v2, %v1
// CHECK-NEXT:    %v4 = mul nuw i64 %v3, %v0
// CHECK-NEXT:    %v5 = shl nsw i64 %v4, %v1
// CHECK-NEXT:    %v6 = udiv exact i64 %v5, %v1
// CHECK-NEXT:    %v7 = sdiv i64 %v6, %v1
// CHECK-NEXT:    %v8 = lshr exact i64 %v7, %v0
// CHECK-NEXT:    %v9 = ashr i64 %v8, %v0
// CHECK-NEXT:    %v10 = or disjoint i64 %v9, %v0
// CHECK-NEXT:    %v11 = urem i64 %v10, %v1
// CHECK-NEXT:    %v12 = srem i64 %v11, %v1
// CHECK-NEXT:    %v13 = and i64 %v12, %v0
// CHECK-NEXT:    %v14 = xor i64 %v13, %v0
// CHECK-NEXT:    ret i64 %v14
// CHECK-NEXT:  }
llvm.func @int_flags(%a: i64, %b: i64) -> i64 {
  %0 = llvm.add %a, %b overflow<nsw, nuw> : i64
  %1 = llvm.sub %0, %b overflow<nsw> : i64
  %2 = llvm.mul %1, %a overflow<nuw> : i64
  %3 = llvm.shl %2, %b overflow<nsw> : i64
  %4 = llvm.udiv exact %3, %b : i64
  %5 = llvm.sdiv %4, %b : i64
  %6 = llvm.lshr exact %5, %a : i64
  %7 = llvm.ashr %6, %a : i64
  %8 = llvm.or disjoint %7, %a : i64
  %9 = llvm.urem %8, %b : i64
  %10 = llvm.srem %9, %b : i64
  %11 = llvm.and %10, %a : i64
  %12 = llvm.xor %11, %a : i64
  llvm.return %12 : i64
}

// CHECK-LABEL: define float @float_flags(float %v0, <4 x double> %v1) {
// CHECK:         %v2 = fadd nnan ninf float %v0, %v0
// CHECK-NEXT:    %v3 = fsub fast float %v2, %v0
// CHECK-NEXT:    %v4 = fmul float %v3, %v0
// CHECK-NEXT:    %v5 = fdiv arcp float %v4, %v0
// CHECK-NEXT:    %v6 = frem float %v5, %v0
// CHECK-NEXT:    %v7 = fneg nsz float %v6
// CHECK-NEXT:    %v8 = fadd contract reassoc <4 x double> %v1, %v1
// CHECK-NEXT:    %v9 = fcmp nnan ult float %v0, %v7
// CHECK-NEXT:    %v10 = fcmp false float %v0, %v7
// CHECK-NEXT:    %v11 = select nsz i1 %v9, float %v7, float %v0
llvm.func @float_flags(%a: f32, %b: vector<4xf64>) -> f32 {
  %0 = llvm.fadd %a, %a {fastmathFlags = #llvm.fastmath<nnan, ninf>} : f32
  %1 = llvm.fsub %0, %a {fastmathFlags = #llvm.fastmath<fast>} : f32
  %2 = llvm.fmul %1, %a : f32
  %3 = llvm.fdiv %2, %a {fastmathFlags = #llvm.fastmath<arcp>} : f32
  %4 = llvm.frem %3, %a : f32
  %5 = llvm.fneg %4 {fastmathFlags = #llvm.fastmath<nsz>} : f32
  %6 = llvm.fadd %b, %b {fastmathFlags = #llvm.fastmath<reassoc, contract>} : vector<4xf64>
  %7 = llvm.fcmp "ult" %a, %5 {fastmathFlags = #llvm.fastmath<nnan>} : f32
  %8 = llvm.fcmp "_false" %a, %5 : f32
  %9 = llvm.select %7, %5, %a {fastmathFlags = #llvm.fastmath<nsz>} : i1, f32
  llvm.return %9 : f32
}

// CHECK-LABEL: define i32 @casts(i64 %v0, ptr %v1, ptr addrspace(1) %v2, double %v3) {
// CHECK:         %v4 = trunc nuw i64 %v0 to i32
// CHECK-NEXT:    %v5 = zext nneg i32 %v4 to i64
// CHECK-NEXT:    %v6 = sext i32 %v4 to i64
// CHECK-NEXT:    %v7 = uitofp nneg i64 %v5 to float
// CHECK-NEXT:    %v8 = sitofp i64 %v6 to double
// CHECK-NEXT:    %v9 = fptoui float %v7 to i16
// CHECK-NEXT:    %v10 = fptosi double %v8 to i8
// CHECK-NEXT:    %v11 = fpext float %v7 to double
// CHECK-NEXT:    %v12 = fptrunc double %v3 to half
// CHECK-NEXT:    %v13 = bitcast double %v3 to <2 x i32>
// CHECK-NEXT:    %v14 = ptrtoint ptr %v1 to i64
// CHECK-NEXT:    %v15 = inttoptr i64 %v14 to ptr
// CHECK-NEXT:    %v16 = addrspacecast ptr addrspace(1) %v2 to ptr
// CHECK-NEXT:    %v17 = icmp ne ptr %v15, %v16
// CHECK-NEXT:    %v18 = icmp uge i64 %v5, %v6
// CHECK-NEXT:    %v19 = freeze i32 %v4
llvm.func @casts(%a: i64, %p: !llvm.ptr, %q: !llvm.ptr<1>, %f: f64) -> i32 {
  %0 = llvm.trunc %a overflow<nuw> : i64 to i32
  %1 = llvm.zext nneg %0 : i32 to i64
  %2 = llvm.sext %0 : i32 to i64
  %3 = llvm.uitofp nneg %1 : i64 to f32
  %4 = llvm.sitofp %2 : i64 to f64
  %5 = llvm.fptoui %3 : f32 to i16
  %6 = llvm.fptosi %4 : f64 to i8
  %7 = llvm.fpext %3 : f32 to f64
  %8 = llvm.fptrunc %f : f64 to f16
  %9 = llvm.bitcast %f : f64 to vector<2xi32>
  %10 = llvm.ptrtoint %p : !llvm.ptr to i64
  %11 = llvm.inttoptr %10 : i64 to !llvm.ptr
  %12 = llvm.addrspacecast %q : !llvm.ptr<1> to !llvm.ptr
  %13 = llvm.icmp "ne" %11, %12 : !llvm.ptr
  %14 = llvm.icmp "uge" %1, %2 : i64
  %15 = llvm.freeze %0 : i32
  llvm.return %15 : i32
}

// CHECK-LABEL: define i64 @memory(ptr %v0, i64 %v1) {
// CHECK:         %v2 = alloca { i32, [4 x float] }, i64 %v1, align 16
// CHECK-NEXT:    %v3 = getelementptr inbounds { i32, [4 x float] }, ptr %v2, i64 %v1, i32 1, i64 %v1
// CHECK-NEXT:    %v4 = getelementptr nusw nuw i64, ptr %v0, i32 1
// CHECK-NEXT:    %v5 = load i64, ptr %v4, align 8
// CHECK-NEXT:    %v6 = load volatile i64, ptr %v0{{$}}
// CHECK-NEXT:    %v7 = load atomic i64, ptr %v0 syncscope("singlethread") acquire, align 8
// CHECK-NEXT:    %v8 = load i64, ptr %v0, !nontemporal [[NT:![0-9]+]], !invariant.load [[INV:![0-9]+]]
// CHECK-NEXT:    store i64 %v5, ptr %v0, align 8
// CHECK-NEXT:    store atomic volatile i64 %v6, ptr %v0 seq_cst, align 8
llvm.func @memory(%p: !llvm.ptr, %n: i64) -> i64 {
  %0 = llvm.alloca %n x !llvm.struct<(i32, array<4 x f32>)> {alignment = 16 : i64} : (i64) -> !llvm.ptr
  %1 = llvm.getelementptr inbounds %0[%n, 1, %n] : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.struct<(i32, array<4 x f32>)>
  %2 = llvm.getelementptr nusw|nuw %p[1] : (!llvm.ptr) -> !llvm.ptr, i64
  %3 = llvm.load %2 {alignment = 8 : i64} : !llvm.ptr -> i64
  %4 = llvm.load volatile %p : !llvm.ptr -> i64
  %5 = llvm.load %p atomic syncscope("singlethread") acquire {alignment = 8 : i64} : !llvm.ptr -> i64
  %6 = llvm.load %p {nontemporal, invariant} : !llvm.ptr -> i64
  llvm.store %3, %p {alignment = 8 : i64} : i64, !llvm.ptr
  llvm.store volatile %4, %p atomic seq_cst {alignment = 8 : i64} : i64, !llvm.ptr
  llvm.return %3 : i64
}

// CHECK-LABEL: define <3 x i32> @aggregates({ i32, [2 x double] } %v0, <4 x i32> %v1, i32 %v2) {
// CHECK:         %v3 = extractvalue { i32, [2 x double] } %v0, 1, 0
// CHECK-NEXT:    %v4 = insertvalue { i32, [2 x double] } %v0, double %v3, 1, 1
// CHECK-NEXT:    %v5 = extractelement <4 x i32> %v1, i32 %v2
// CHECK-NEXT:    %v6 = insertelement <4 x i32> %v1, i32 %v5, i32 %v2
// CHECK-NEXT:    %v7 = shufflevector <4 x i32> %v6, <4 x i32> %v1, <3 x i32> <i32 7, i32 poison, i32 0>

// CHECK-DAG: [[NT]] = !{i32 1}
// CHECK-DAG: [[INV]] = !{}
llvm.func @aggregates(%s: !llvm.struct<(i32, array<2 x f64>)>, %v: vector<4xi32>, %i: i32) -> vector<3xi32> {
  %0 = llvm.extractvalue %s[1, 0] : !llvm.struct<(i32, array<2 x f64>)> 
  %1 = llvm.insertvalue %0, %s[1, 1] : !llvm.struct<(i32, array<2 x f64>)> 
  %2 = llvm.extractelement %v[%i : i32] : vector<4xi32>
  %3 = llvm.insertelement %2, %v[%i : i32] : vector<4xi32>
  %4 = llvm.shufflevector %3, %v [7, -1, 0] : vector<4xi32> 
  llvm.return %4 : vector<3xi32>
}
