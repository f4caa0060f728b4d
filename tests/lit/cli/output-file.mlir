// `-o FILE` writes the result there and nothing to standard output.
// RUN: lamina-opt %s -o %t > %t.stdout
// RUN: FileCheck %s --input-file %t
// RUN: test ! -s %t.stdout
// RUN: lamina-opt %s -o=%t.2 && FileCheck %s --input-file %t.2
// `-o -` is standard output.
// RUN: lamina-opt %s -o - | FileCheck %s

// CHECK: func.func @written(%arg0: i64) -> i64
func.func @written(%a: i64) -> i64 {
  return %a : i64
}
