// RUN: lamina-opt %s --bufferize | FileCheck %s

#id = affine_map<(d0) -> (d0)>

// A loop-carried tensor: the loop owns a copy of the (read-only) argument and updates it in
// place each iteration; the loop's result is the function's.
// CHECK-LABEL: func.func @accumulate
// CHECK:         %[[INIT:.*]] = memref.alloc(){{.*}}: memref<4xf32>
// CHECK-NEXT:    memref.copy %arg0, %[[INIT]]
// CHECK-NEXT:    %[[R:.*]] = scf.for %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (memref<4xf32>) {
// CHECK-NEXT:      structured.generic
// CHECK-SAME:        ins(%[[ACC]], %arg0 : memref<4xf32>, memref<4xf32>) outs(%[[ACC]] : memref<4xf32>)
// CHECK:           scf.yield %[[ACC]] : memref<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]]
func.func @accumulate(%a: tensor<4xf32>, %n: index) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> (tensor<4xf32>) {
    %e = tensor.empty() : tensor<4xf32>
    %s = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
        ins(%acc, %a : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %z = arith.addf %x, %y : f32
      structured.yield %z : f32
    } -> tensor<4xf32>
    scf.yield %s : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// Each branch of an scf.if yields a buffer of its own: a fresh result, or a copy of a value
// from outside; the if's result belongs to the enclosing block.
// CHECK-LABEL: func.func @select
// CHECK:         %[[R:.*]] = scf.if %arg0 -> (memref<4xf32>) {
// CHECK-NEXT:      %[[T:.*]] = memref.alloc(){{.*}}: memref<4xf32>
// CHECK-NEXT:      structured.generic
// CHECK-SAME:        outs(%[[T]] : memref<4xf32>)
// CHECK:           scf.yield %[[T]] : memref<4xf32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[C:.*]] = memref.alloc(){{.*}}: memref<4xf32>
// CHECK-NEXT:      memref.copy %arg1, %[[C]]
// CHECK-NEXT:      scf.yield %[[C]] : memref<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[X:.*]] = memref.load %[[R]]
// CHECK-NEXT:    memref.dealloc %[[R]] : memref<4xf32>
// CHECK-NEXT:    return %[[X]] : f32
func.func @select(%c: i1, %a: tensor<4xf32>, %i: index) -> f32 {
  %r = scf.if %c -> (tensor<4xf32>) {
    %e = tensor.empty() : tensor<4xf32>
    %s = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
        ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %z = arith.mulf %x, %y : f32
      structured.yield %z : f32
    } -> tensor<4xf32>
    scf.yield %s : tensor<4xf32>
  } else {
    scf.yield %a : tensor<4xf32>
  }
  %x = tensor.extract %r[%i] : tensor<4xf32>
  return %x : f32
}

// A while loop whose carried tensor changes size: each iteration frees the buffer it received
// and hands on the one it made.
// CHECK-LABEL: func.func @grow
// CHECK:         %[[INIT:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?xf32>
// CHECK-NEXT:    memref.copy %arg0, %[[INIT]]
// CHECK-NEXT:    %[[R:.*]]:2 = scf.while (%[[X:.*]] = %[[INIT]], %{{.*}} = %{{.*}}) : (memref<?xf32>, index) -> (memref<?xf32>, index) {
// CHECK:           scf.condition(%{{.*}}) %[[X]], %{{.*}} : memref<?xf32>, index
// CHECK-NEXT:    } do {
// CHECK-NEXT:    ^bb0(%[[Y:.*]]: memref<?xf32>, %{{.*}}: index):
// CHECK:           %[[Z:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?xf32>
// CHECK:           memref.copy %[[Y]], %{{.*}} : memref<?xf32> to memref<?xf32, strided<[1]>>
// CHECK:           memref.copy %arg0, %{{.*}} : memref<?xf32> to memref<?xf32, strided<[1], offset: ?>>
// CHECK-NEXT:      memref.dealloc %[[Y]] : memref<?xf32>
// CHECK:           scf.yield %[[Z]], %{{.*}} : memref<?xf32>, index
// CHECK:         return %[[R]]#0 : memref<?xf32>
func.func @grow(%a: tensor<?xf32>, %n: index) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %r:2 = scf.while (%x = %a, %k = %c0) : (tensor<?xf32>, index) -> (tensor<?xf32>, index) {
    %go = arith.cmpi slt, %k, %n : index
    scf.condition(%go) %x, %k : tensor<?xf32>, index
  } do {
  ^bb0(%y: tensor<?xf32>, %k2: index):
    %c1 = arith.constant 1 : index
    %z = tensor.concat dim(0) %y, %a : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
    %k3 = arith.addi %k2, %c1 : index
    scf.yield %z, %k3 : tensor<?xf32>, index
  }
  return %r#0 : tensor<?xf32>
}

// A buffer that dies at an scf.if and that a branch yields is the if's: here both branches
// hand it on, one after updating it in place. One allocation, no copy.
// CHECK-LABEL: func.func @choose
// CHECK:         %[[T:.*]] = memref.alloc(){{.*}}: memref<4xf32>
// CHECK-NEXT:    structured.generic
// CHECK-SAME:      outs(%[[T]] : memref<4xf32>)
// CHECK:         %[[R:.*]] = scf.if %arg0 -> (memref<4xf32>) {
// CHECK-NEXT:      structured.generic
// CHECK-SAME:        ins(%[[T]], %arg1 : memref<4xf32>, memref<4xf32>) outs(%[[T]] : memref<4xf32>)
// CHECK:           scf.yield %[[T]] : memref<4xf32>
// CHECK-NEXT:    } else {
// CHECK-NEXT:      scf.yield %[[T]] : memref<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]] : memref<4xf32>
func.func @choose(%c: i1, %a: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %t = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %z = arith.mulf %x, %y : f32
    structured.yield %z : f32
  } -> tensor<4xf32>
  %r = scf.if %c -> (tensor<4xf32>) {
    %e2 = tensor.empty() : tensor<4xf32>
    %u = structured.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
        ins(%t, %a : tensor<4xf32>, tensor<4xf32>) outs(%e2 : tensor<4xf32>) {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %z = arith.addf %x, %y : f32
      structured.yield %z : f32
    } -> tensor<4xf32>
    scf.yield %u : tensor<4xf32>
  } else {
    scf.yield %t : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
