"""The standard lowering pipeline, stage by stage: lamina -> structured -> loops -> llvm ->
LLVM IR. Each stage is a textual pipeline of registered passes, so what `function.ir(stage)`
shows, `LAMINA_DUMP_IR` writes and `lamina-opt` runs are one and the same."""

from __future__ import annotations

import os

from ..ir import types as T
from ..passes import PassManager, parse_pipeline

STAGES = (
    ("structured", "convert-lamina-to-structured,canonicalize,cse,structured-fuse"),
    ("loops", "bufferize,canonicalize,structured-tile,structured-vectorize,"
               "convert-structured-to-loops,canonicalize,cse,"
               "func.func(promote-buffers-to-stack,reuse-freed-buffers),"
               "buffer-results-to-out-params"),
    # no canonicalize or cse after the conversion, as in upstream's lowerings to LLVM: LLVM's
    # own pipeline does that work, and doing it here cost a tenth of a compile
    ("llvm", "outline-parallel-loops,convert-loops-to-llvm,convert-parallel-calls"),
)
# Verifying after every pass (MLIR's default, and lamina-opt's) took a third of a new
# function's compile time; compiling verifies each pipeline's result instead, and
# LAMINA_VERIFY_EACH=1 (which the test suite sets) verifies after every pass again.
VERIFY_EACH = os.environ.get("LAMINA_VERIFY_EACH", "0") not in ("", "0")

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
        PassManager(parse_pipeline(passes), VERIFY_EACH, instrumentation).run(module)
    return module


def pipeline_text(start="lamina", to="llvm"):
    order = [s for s, _ in STAGES]
    begin = 0 if start == "lamina" else order.index(start) + 1
    end = order.index(to) + 1
    return "builtin.module(" + ",".join(p for _, p in STAGES[begin:end]) + ")"


# The GPU path branches off after the structured stage: loops without the CPU's tiling and
# vectorization, parallel loops mapped to kernels and outlined (the "gpu" stage); "ptx" is
# the PTX of its device code.
GPU_LOOPS = "bufferize,canonicalize,convert-structured-to-loops,canonicalize,cse"
GPU_OUTLINE = ("convert-parallel-loops-to-gpu,canonicalize,cse,gpu-kernel-outlining,"
               "canonicalize,cse")
GPU_STAGE_NAMES = ("gpu", "ptx")


def lower_for_gpu(module, start=None, instrumentation=None):
    """Lower `module` (at the lamina, structured or loops level) to the gpu stage, in place."""
    start = start or stage_of(module)
    if start == "lamina":
        lower(module, "structured", start="lamina", instrumentation=instrumentation)
    passes = GPU_OUTLINE if start == "loops" else GPU_LOOPS + "," + GPU_OUTLINE
    PassManager(parse_pipeline(passes), VERIFY_EACH, instrumentation).run(module)
    return module


def gpu_ir(module, stage, sm=80, start=None):
    """The text of `module` at GPU stage `stage` ("gpu", or "ptx": the PTX of each kernel
    module, headed by its name), lowering it in place."""
    lower_for_gpu(module, start)
    if stage == "gpu":
        return str(module)
    from .gpu_to_ptx import ptx
    return "\n".join(f"// gpu.module @{name}\n{text}" for name, text in ptx(module, sm).items())
