"""lamina's IR core: operations, values, blocks, regions, types, attributes, the textual format
(lark grammar, parser, printer), diagnostics and the verifier. Imports nothing else of lamina;
the dialects register themselves here."""

from .core import (Attribute, Block, BlockArgument, IRError, Operation, OpResult, Region, Type,
                   Use, Value)
from .types import *  # noqa: F401,F403
from .attributes import *  # noqa: F401,F403
from .affine import AffineMap, AffineMapAttr, AffineDim, AffineSymbol, AffineConst
from .builtin import ModuleOp, UnrealizedConversionCastOp
from .diagnostics import Diagnostic
from .lexer import Source
from .printer import Printer, print_op


def parse(text, name="<string>", allow_unregistered=False):
    """Parse MLIR text into a `builtin.module` (top-level ops are wrapped in one if needed)."""
    from .parser import parse as _parse
    return _parse(text, name, allow_unregistered)


def verify(op):
    """Check `op` and everything nested in it; raise IRError on the first problem."""
    from .verifier import verify as _verify
    _verify(op)
