// Not valid MLIR: lamina-run reports it as mlir-opt would.
func.func @main() {
  %0 = arith.constant : i32
  return
}
