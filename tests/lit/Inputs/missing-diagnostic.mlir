// An annotation that lamina never reports, for cli/verify-diagnostics.mlir.
func.func @f() {
  // expected-error @+1 {{never reported}}
  return
}
