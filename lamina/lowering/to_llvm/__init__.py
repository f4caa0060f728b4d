"""Conversions from the loops level to the llvm dialect, one module per source dialect, each
also a pass of its upstream name; `convert-loops-to-llvm` runs them all, then reconciles the
casts left between them."""

from ...passes import Pass, register_pass
from ...passes.conversion import reconcile_casts
from . import arith, cf, func, math, memref, vector  # noqa: F401  (register the per-dialect passes)
from .common import PATTERNS, TYPES, run_conversion
from ..scf_to_cf import ConvertSCFToCF

__all__ = ["PATTERNS", "TYPES"]


@register_pass
class ReconcileUnrealizedCasts(Pass):
    argument = "reconcile-unrealized-casts"
    title = "ReconcileUnrealizedCastsPass"
    summary = "Remove unrealized_conversion_cast pairs left by the conversions"

    def run(self, op):
        reconcile_casts(op)


@register_pass
class ConvertLoopsToLLVM(Pass):
    argument = "convert-loops-to-llvm"
    title = "ConvertLoopsToLLVM"
    summary = "scf, cf, arith, math, memref, vector and func to the llvm dialect"

    def run(self, op):
        ConvertSCFToCF().run(op)
        prefixes = tuple(sorted({n.split(".", 1)[0] + "." for n in PATTERNS}))
        run_conversion(op, prefixes)
        reconcile_casts(op)
        cf.propagate_failures(op)
