"""The pass manager, pattern rewriting and the generic passes. Every pass registers under its
argument, so `lamina-opt --cse`, pipelines and `run_pipeline` reach the same object."""

from .pass_manager import (PASSES, Instrumentation, OpPassManager, Pass, PassFailure,
                           PassManager, parse_pipeline, register_pass, run_pipeline)
from .greedy import apply_patterns_greedily
from . import generic  # noqa: F401  (registers canonicalize, cse, dce, inline, symbol-dce)
from . import autodiff  # noqa: F401  (registers autodiff)
from . import promote_buffers_to_stack  # noqa: F401
from . import buffer_results_to_out_params  # noqa: F401
from . import reuse_freed_buffers  # noqa: F401

__all__ = ["PASSES", "Instrumentation", "OpPassManager", "Pass", "PassFailure", "PassManager",
           "parse_pipeline", "register_pass", "run_pipeline", "apply_patterns_greedily"]
