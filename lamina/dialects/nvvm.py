"""The upstream `nvvm` dialect: NVIDIA's special registers and intrinsics at the llvm dialect's
level. Each op names the LLVM intrinsic it translates to (`llvm_intrinsic`), which is all the
translation to LLVM IR needs to know about it."""

from __future__ import annotations

from ..ir import types as T
from ..ir.core import Attribute, IRError
from ..ir.constraints import AttrConstraint, TypeConstraint
from ..ir.opdef import Op, Pure, operand, prop, result
from ..ir.registry import register_attr

I32 = TypeConstraint(lambda t: t == T.i32, "i32", buildable=T.i32)
ShflValue = TypeConstraint(lambda t: t in (T.i32, T.f32), "i32 or f32")

_KERNEL = ("llvm.func @k(%arg0: !llvm.ptr) attributes {{nvvm.kernel}} {{\n{body}"
           "  llvm.return\n}}")


def _sreg_example(name):
    return (_KERNEL.format(body=f"  %0 = {name} : i32\n"
                                "  llvm.store %0, %arg0 : i32, !llvm.ptr\n"),)


class _SpecialRegister(Op):
    """Reads a PTX special register."""
    result_ = result(I32)
    traits = (Pure,)
    assembly_format = "attr-dict `:` type($result_)"

    @property
    def llvm_intrinsic(self):
        return "llvm." + self.name


_SREGS = {}
for _reg, _what in (("tid", "the thread's index in its block"),
                    ("ntid", "the number of threads of a block"),
                    ("ctaid", "the block's index in the grid"),
                    ("nctaid", "the number of blocks of the grid")):
    for _d in ("x", "y", "z"):
        _name = f"nvvm.read.ptx.sreg.{_reg}.{_d}"
        _cls_name = f"{_reg.capitalize()}{_d.upper()}Op"
        _SREGS[(_reg, _d)] = type(_cls_name, (_SpecialRegister,), {
            "__doc__": f"{_what[0].upper()}{_what[1:]} along {_d}.", "name": _name,
            "examples": _sreg_example(_name), "__module__": __name__})
        globals()[_cls_name] = _SREGS[(_reg, _d)]


class LaneIdOp(_SpecialRegister):
    """The thread's index in its warp."""
    name = "nvvm.read.ptx.sreg.laneid"
    examples = _sreg_example("nvvm.read.ptx.sreg.laneid")


def special_register(reg, dim):
    """The op class reading `reg` (tid, ntid, ctaid, nctaid) along `dim` (x, y, z)."""
    return _SREGS[(reg, dim)]


class Barrier0Op(Op):
    """Waits for every thread of the block (`bar.sync 0`)."""
    name = "nvvm.barrier0"
    assembly_format = "attr-dict"
    llvm_intrinsic = "llvm.nvvm.barrier.cta.sync.aligned.all"
    llvm_intrinsic_args = ("i32 0",)
    examples = (_KERNEL.format(body="  nvvm.barrier0\n"),)


class ShflKindAttr(Attribute):
    """`#nvvm<shfl_kind bfly>`: which lane a shuffle reads (bfly: lane ^ offset, down,
    up, idx)."""

    __slots__ = ("case",)
    CASES = ("bfly", "up", "down", "idx")

    def __init__(self, case):
        if case not in self.CASES:
            raise IRError(f"'{case}' is not an nvvm shuffle kind ({', '.join(self.CASES)})")
        self.case = case

    def _key(self):
        return self.case

    def __str__(self):
        return f"#nvvm<shfl_kind {self.case}>"

    @classmethod
    def parse_body(cls, body):
        words = body.strip()[1:-1].split()
        if len(words) != 2 or words[0] != "shfl_kind":
            raise IRError(f"unknown nvvm attribute '#nvvm{body}'")
        return cls(words[1])


register_attr("nvvm", ShflKindAttr)


class ShflKind(AttrConstraint):
    grammar = "bare_id"
    desc = "nvvm shuffle kind (bfly, up, down, idx)"

    def check(self, a):
        return a.__class__ is ShflKindAttr

    def build(self, tok):
        return ShflKindAttr(tok.value)

    def print(self, a):
        return a.case


class ShflSyncOp(Op):
    """A value from another lane of the warp, among the lanes of `thread_mask`; `mask_and_clamp`
    is PTX's c operand (31 for a whole warp with bfly/down/idx)."""
    name = "nvvm.shfl.sync"
    kind = prop(ShflKind())
    thread_mask = operand(I32)
    val = operand(ShflValue)
    offset = operand(I32)
    mask_and_clamp = operand(I32)
    res = result(ShflValue)
    assembly_format = ("$kind $thread_mask `,` $val `,` $offset `,` $mask_and_clamp attr-dict "
                       "`:` type($val) `->` type($res)")
    examples = (_KERNEL.format(
        body="  %m = llvm.mlir.constant(-1 : i32) : i32\n"
             "  %c = llvm.mlir.constant(31 : i32) : i32\n"
             "  %o = llvm.mlir.constant(1 : i32) : i32\n"
             "  %v = llvm.load %arg0 : !llvm.ptr -> f32\n"
             "  %0 = nvvm.shfl.sync bfly %m, %v, %o, %c : f32 -> f32\n"
             "  %1 = nvvm.shfl.sync down %m, %0, %o, %c : f32 -> f32\n"
             "  llvm.store %1, %arg0 : f32, !llvm.ptr\n"),)

    @classmethod
    def build(cls, kind, mask, value, offset, clamp, loc=None):
        return cls(mask, value, offset, clamp, result_types=[value.type],
                   kind=ShflKindAttr(kind), loc=loc)

    @classmethod
    def infer_parsed_types(cls, parts):
        for i in (0, 2, 3):
            parts.operand_types[i] = [T.i32]

    @property
    def llvm_intrinsic(self):
        t = "f32" if self.val.type == T.f32 else "i32"
        return f"llvm.nvvm.shfl.sync.{self.properties['kind'].case}.{t}"


__all__ = ["special_register", "LaneIdOp", "Barrier0Op", "ShflKindAttr", "ShflSyncOp"]
