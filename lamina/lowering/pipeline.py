"""The standard lowering pipeline, stage by stage: lamina -> structured -> loops -> llvm ->
LLVM IR. Each stage is a textual pipeline of registered passes, so what `function.ir(stage)`
shows, `LAMINA_DUMP_IR` writes and `lamina-opt` runs are one and the same."""

from __future__ import annotations

from ..ir import types as T
from ..passes import PassManager, parse_pipeline

STAGES = (
    ("structured", "convert-lamina-to-structured,canonicalize,cse"),
    ("loops", "bufferize,canonicalize,convert-structured-to-loops,canonicalize,cse,"
               "func.func(promote-buffers-to-stack),buffer-results-to-out-params"),
    ("llvm", "convert-loops-to-llvm,canonicalize,cse"),
)
STAGE_NAMES = ("lamina",) + tuple(s for s, _ in STAGES) + ("llvm-ir",)


def stage_of(module):
    """The stage a module is at, judged by the dialects it uses (and by tensor values: a
    function that only passes tensors through still needs bufferization)."""
    names = set()
    tensors = False
    for op in module.walk():
        names.add(op.name.split(".", 1)[0])
        if not tensors and op.name == "func.func":
            ft = op.properties["function_type"].value
            tensors = any(isinstance(t, (T.RankedTensorType, T.UnrankedTensorType))
                          for t in list(ft.inputs) + list(ft.results))
    if "lamina" in names:
        return "lamina"
    if "structured" in names or "tensor" in names or tensors:
        return "structured"
    if names & {"scf", "cf", "memref", "arith", "math", "vector", "func"}:
        return "loops"
    return "llvm"


def lower(module, to="llvm", start=None, instrumentation=None):
    """Run the stages after `start` (default: the module's own stage) up to `to`, in place."""
    start = start or stage_of(module)
    order = [s for s, _ in STAGES]
    begin = 0 if start == "lamina" else order.index(start) + 1
    end = order.index(to) + 1
    passes = ",".join(p for _, p in STAGES[begin:end])
    if passes:
        PassManager(parse_pipeline(passes), True, instrumentation).run(module)
    return module


def pipeline_text(start="lamina", to="llvm"):
    order = [s for s, _ in STAGES]
    begin = 0 if start == "lamina" else order.index(start) + 1
    end = order.index(to) + 1
    return "builtin.module(" + ",".join(p for _, p in STAGES[begin:end]) + ")"
