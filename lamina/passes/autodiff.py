"""Reverse-mode automatic differentiation as a transformation of the `lamina` dialect.

For each function marked with the unit attribute `lamina.grad` (or named by the `functions`
option), the pass emits `@<name>_grad`: same arguments, one result per floating-point argument,
the gradient of the function's single scalar floating-point result. The gradient function is
the forward body followed by the backward ops: the ops are walked backwards from the result,
seeded with 1, each op's `vjp` (its derivative rule, written in lamina ops) gives its operands'
cotangent contributions, summed with lamina.add. canonicalize/cse then drop what the gradient
does not use. A gradient function with one scalar result is marked `lamina.grad` in turn, so
applying the pass to its output gives the next derivative.

Straight-line code only for now: an op with regions (lamina.cond, lamina.while) or a call that
a gradient reaches is reported as not supported yet.
"""

from __future__ import annotations

import numpy as np

from ..dialects.func import ReturnOp
from ..dialects.lamina_ops.elementwise import AddOp, ConstantOp, element_kind, emit, np_dtype
from ..ir import types as T
from ..ir.attributes import StringAttr, TypeAttr, UnitAttr
from ..ir.core import IRError
from ..ir.rewrite import PatternRewriter
from .pass_manager import Pass, PassFailure, register_pass

GRAD_ATTR = "lamina.grad"


def _differentiable(t):
    return t.__class__ is T.RankedTensorType and element_kind(t.element_type) == "float"


def _zeros(b, t):
    if not t.has_static_shape:
        raise PassFailure(f"autodiff: a zero gradient of dynamic type {t} is not supported yet")
    dt = np_dtype(t.element_type) or np.dtype(np.float32)
    return emit(b, ConstantOp.build(np.zeros(t.shape, dt), t))


def differentiate(func, name):
    """A new func.func `name` computing the gradient of `func` (see the module's doc)."""
    ft = func.type
    where = f"autodiff of @{func.sym}"
    if func.is_declaration:
        raise PassFailure(f"{where}: the function has no body")
    if len(ft.results) != 1 or not _differentiable(ft.results[0]) or ft.results[0].rank != 0:
        raise PassFailure(f"{where}: the function must have one result, a 0-d tensor of "
                          f"floating-point type, but returns ({', '.join(map(str, ft.results))})")
    grad = func.clone()
    grad.attributes.pop(GRAD_ATTR, None)
    grad.properties["sym_name"] = StringAttr(name)
    body = grad.regions[0]
    if len(body.blocks) != 1:
        raise PassFailure(f"{where}: control flow between blocks is not supported yet")
    block = body.blocks[0]
    ret = block.last
    b = PatternRewriter()
    b.set_insertion_point_before(ret)
    y = ret.operands[0]
    seed = emit(b, ConstantOp.build(np.ones((), np_dtype(y.type.element_type)), y.type))
    cot = {y: seed}
    backpropagate(b, _backwards_from(ret.prev), cot, where)
    args = [a for a in block.args if _differentiable(a.type)]
    results = [cot[a] if a in cot else _zeros(b, a.type) for a in args]
    b.insert(ReturnOp(results))
    ret.erase()
    _drop_seed_products(seed)
    grad.properties["function_type"] = TypeAttr(T.FunctionType(ft.inputs,
                                                               [a.type for a in args]))
    if len(args) == 1 and args[0].type.rank == 0:
        grad.attributes[GRAD_ATTR] = UnitAttr()
    return grad


def _drop_seed_products(seed):
    """`v * 1` -> `v` for the seed (the dialect does not fold multiplications by one, whose
    result could differ in type): the gradient of x * x is then x + x, not a chain from 1."""
    for use in list(seed.uses):
        op = use.owner
        if op.name != "lamina.multiply" or op.parent is None:  # erased through its other use
            continue
        other = op.operands[1 - use.index]
        if other.type == op.results[0].type:
            op.results[0].replace_all_uses_with(other)
            op.erase()
    if not seed.uses:
        seed.owner.erase()


def _backwards_from(op):
    while op is not None:
        yield op
        op = op.prev


def backpropagate(b, ops, cot, where):
    """Reverse accumulation over `ops` (in reverse program order): `cot` maps values to their
    cotangents, seeded by the caller, and gains the cotangent of every value a seeded value
    depends on through differentiable ops; the backward ops are inserted at `b`'s insertion
    point. The autodiff pass and a GradientTape traced inside `function` share this walk, so
    both take their derivatives from the ops' `vjp` rules. `where` heads error messages."""
    for op in ops:
        gs = [cot.get(r) for r in op.results]
        if any(g is not None for g in gs):
            _backward(op, gs, cot, b, where)


def _backward(op, gs, cot, b, where):
    # a region's ops may use any value above it, whatever the op's operands are
    if op.regions or op.name in ("func.call", "func.call_indirect"):
        raise PassFailure(f"{where}: differentiating through '{op.name}' is not supported yet")
    if not any(_differentiable(v.type) for v in op.operands):
        return
    rule = getattr(op, "vjp", None)
    if rule is None:
        raise PassFailure(f"{where}: '{op.name}' has no derivative rule (vjp)")
    if len(gs) != 1:
        raise PassFailure(f"{where}: '{op.name}' has several results; not supported yet")
    try:
        contributions = rule(b, gs[0])
    except IRError as e:  # a case a rule does not support yet; its message names the op
        raise PassFailure(f"{where}: {e.message}") from None
    for v, g in zip(op.operands, contributions):
        if g is None or not _differentiable(v.type):
            continue
        cot[v] = g if v not in cot else emit(b, AddOp(cot[v], g))


@register_pass
class Autodiff(Pass):
    argument = "autodiff"
    title = "Autodiff"
    summary = ("Emit @<f>_grad, the gradient of each function marked `lamina.grad` (or named "
               "by `functions`)")
    options = {"functions": (str, "", "comma-separated names of further functions to "
                                      "differentiate")}
    op_name = "builtin.module"

    def run(self, module):
        top = module.regions[0].blocks[0]
        funcs = {o.sym: o for o in top if o.name == "func.func"}
        named = {n.strip() for n in self.opts["functions"].split(",") if n.strip()}
        missing = named - funcs.keys()
        if missing:
            raise PassFailure(f"autodiff: no function named {', '.join(sorted(missing))}")
        for name, f in list(funcs.items()):
            if (GRAD_ATTR in f.attributes or name in named) and name + "_grad" not in funcs:
                top.insert_after(f, differentiate(f, name + "_grad"))
