"""The builtin dialect: `builtin.module` and `builtin.unrealized_conversion_cast`."""

from __future__ import annotations

from .constraints import SymbolName
from .core import Block, Region
from .opdef import (GraphRegion, IsolatedFromAbove, NoTerminator, Op, Pure, SingleBlock,
                    SymbolTable, opt_prop, region, var_operand, var_result)


class ModuleOp(Op):
    """A top-level container of symbols; its body has no terminator."""

    name = "builtin.module"
    aliases = ("module",)
    sym_name = opt_prop(SymbolName())
    sym_visibility = opt_prop()
    bodyRegion = region(single_block=True)
    traits = (IsolatedFromAbove, NoTerminator, SymbolTable, SingleBlock, GraphRegion)
    effects = ()
    assembly_format = "($sym_name^)? attr-dict-with-keyword $bodyRegion"
    examples = ("module {\n}", "module @m attributes {foo.bar = 1 : i32} {\n}")

    def __init__(self, ops=(), sym_name=None, loc=None):
        super().__init__(regions=[Region([Block()])], sym_name=sym_name, loc=loc)
        for op in ops:
            self.body.append(op)

    @property
    def body(self):
        r = self.regions[0]
        if not r.blocks:
            r.add_block(Block())
        return r.blocks[0]


class UnrealizedConversionCastOp(Op):
    """A cast between type systems left by a partial conversion; later passes remove it."""

    name = "builtin.unrealized_conversion_cast"
    inputs = var_operand()
    outputs = var_result()
    traits = (Pure,)
    assembly_format = "($inputs^ `:` type($inputs))? `to` type($outputs) attr-dict"
    examples = ("func.func @f(%arg0: i32) -> f32 {\n"
                "  %0 = builtin.unrealized_conversion_cast %arg0 : i32 to f32\n"
                "  return %0 : f32\n}",)
