"""When the pass manager verifies: after every pass (MLIR's default, lamina-opt's, and the test
suite's through LAMINA_VERIFY_EACH=1), or once after the pipeline (compiling a function). Either
way invalid IR is a PassFailure, never something handed on to LLVM."""

from __future__ import annotations

import pytest

from lamina.ir import parse
from lamina.passes import OpPassManager, Pass, PassFailure, PassManager, parse_pipeline

SOURCE = """
func.func @f(%a: i32) -> i32 {
  %b = arith.addi %a, %a : i32
  return %b : i32
}
"""


class _BreakTypes(Pass):
    """Makes the function return an i64 while it declares i32 (invalid)."""
    argument = "test-break-types"

    def run(self, op):
        from lamina.ir import types as T
        for o in op.walk():
            if o.name == "arith.addi":
                o.results[0].type = T.IntegerType(64)


def _pipeline(*passes):
    pm = OpPassManager("builtin.module")
    for p in passes:
        pm.add(p)
    return pm


def test_verify_each_names_the_pass_that_broke_the_ir():
    module = parse(SOURCE)
    with pytest.raises(PassFailure, match="pass 'test-break-types' produced invalid IR"):
        PassManager(_pipeline(_BreakTypes(), *parse_pipeline("cse").items), True).run(module)


def test_without_verify_each_the_pipelines_result_is_verified():
    module = parse(SOURCE)
    with pytest.raises(PassFailure, match="the pipeline produced invalid IR"):
        PassManager(_pipeline(_BreakTypes(), *parse_pipeline("cse").items), False).run(module)


def test_without_verify_each_valid_ir_passes():
    module = parse(SOURCE)
    PassManager(parse_pipeline("canonicalize,cse"), False).run(module)
    assert "arith.addi" in str(module)
