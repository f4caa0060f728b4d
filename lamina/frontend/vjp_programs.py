"""The derivative of one recorded op, for an eager GradientTape: a "vjp program".

The one table of derivatives is the `vjp` method of each lamina op class (rules written as
lamina ops). To differentiate an op that ran eagerly, the tape builds, once per (op class,
input types, attributes, inputs needing a gradient, whether the cotangent is the seed of
ones), a tiny IR function holding the op and what its rule emits, keeps only what the wanted
cotangents need, and turns it into a list of steps: each emitted op then runs on eager tensors
as execute.run_op runs ops (through the executor, if any). Because the backward ops go through
the executor, an enclosing tape records them, which is what gives second and higher
derivatives.

An op that a rule emits is also remembered as a template (by its class, operand types and
attributes), so that when an enclosing tape differentiates it in turn, it is rebuilt by
cloning the template: the ops rules emit need no builder from attributes, nor an entry in the
public op table (they get a private one here: reduce_to_shape, the *_grad ops...).
"""

from __future__ import annotations

import numpy as np

from ..dialects.func import FuncOp
from ..dialects.lamina_ops.elementwise import ConstantOp, MultiplyOp, element_kind, np_dtype
from ..ir import types as T
from ..ir.core import IRError
from ..ir.rewrite import PatternRewriter
from . import dtypes as D
from .context import ctx
from .execute import OPS, OpEntry, run_pure
from .tensor import wrap

_PROGRAMS = {}    # (op class, input type keys, frozen attrs, mask) -> _Program
_TEMPLATES = {}   # (op class, input type keys, frozen attrs) -> an IR op a rule emitted


def freeze(v):
    """A hashable stand-in for an attribute value, equal for equal values."""
    c = v.__class__
    if c is list or c is tuple:
        return tuple(freeze(x) for x in v)
    if c is dict:
        return tuple(sorted((k, freeze(x)) for k, x in v.items()))
    if isinstance(v, np.ndarray):
        return (v.dtype, v.shape, v.tobytes())
    if (c.__hash__ is None or c.__hash__ is object.__hash__) and not isinstance(v, type):
        # unhashable, or hashed by identity (a slice spec...): by its state, or a value equal
        # to one seen before would miss the cache
        state = getattr(v, "__dict__", None) or {
            k: getattr(v, k, None) for k in getattr(c, "__slots__", ())}
        if state:
            return (c, freeze(state))
        return ("id", id(v)) if c.__hash__ is None else v
    return v


def ir_type_key(t):
    return (np_dtype(t.element_type), tuple(t.shape))


def _ir_type(key):
    dtype, shape = key
    return T.RankedTensorType(list(shape), D.FROM_NUMPY[dtype].ir_type)


_PRIVATE = {}     # op class -> entry, for ops only derivative rules emit


def entry(cls):
    """How op `cls` runs: its entry of the op table, or for an op only derivative rules emit
    (reduce_to_shape...) an entry of its own here, running its reference kernel (the op table
    stays the public API's ops)."""
    e = OPS.get(cls)
    if e is None:
        e = _PRIVATE.get(cls)
        if e is None:
            name = "".join(p.capitalize() for p in cls.opdef.name.split(".", 1)[1].split("_"))
            e = _PRIVATE[cls] = OpEntry(cls, name, None, run_pure, None, None)
    return e


def run_step(cls, inputs, attrs):
    """execute.run_op for ops that may have no entry in the op table."""
    ex = ctx.executor
    if ex is not None:
        return ex.run_op(cls, inputs, attrs)
    e = entry(cls)
    return e.eager(e, inputs, attrs)


def build_ir(cls, values, attrs, fattrs):
    """The IR op of class `cls` on `values` with run_op's `attrs`: a clone of the template a
    derivative rule emitted for these types and attributes, or the op table's builder."""
    key = (cls, tuple(ir_type_key(v.type) for v in values), fattrs)
    tpl = _TEMPLATES.get(key)
    if tpl is not None:
        op = tpl.clone()
        op.set_operands(list(values))  # by position: a template may use one value twice (y * y)
        return op
    e = entry(cls)
    if e.build is None:   # (only derivative rules emit it: a template exists once it ran)
        raise NotImplementedError(f"'{cls.opdef.name}' cannot be built from its attributes")
    return e.build(values, attrs)


class NoGradientError(LookupError):
    """An op that a gradient reaches has no derivative rule."""


def no_rule(name):
    return NoGradientError(
        f"No gradient defined for operation '{name}': the lamina op has no derivative rule "
        f"(vjp), so gradients cannot flow through it")


class _Program:
    """Steps computing an op's input cotangents from (inputs, cotangent, output).

    Values are numbered: the inputs, the cotangent, the output, then one per step. A step is
    (op class, attrs, operand numbers), or (None, eager constant, None)."""

    __slots__ = ("steps", "results")

    def __init__(self, steps, results):
        self.steps = steps
        self.results = results

    def run(self, inputs, g, out):
        """The cotangents (None where not wanted), the steps run as execute.run_op runs ops."""
        vals = [*inputs, g, out]
        append = vals.append
        for cls, attrs, args in self.steps:
            if cls is None:
                append(attrs)
            else:
                append(run_step(cls, [vals[i] for i in args], attrs))
        return [None if i is None else vals[i] for i in self.results]


def program(cls, inputs, attrs, mask, ones=False):
    """The vjp program of op `cls` run on eager tensors `inputs` with `attrs`, computing the
    cotangents of the inputs whose `mask` entry is true; `ones`: for a cotangent of ones (the
    seed of a gradient), where products with it are left out, as the autodiff pass drops them
    (the gradient of x * x is then x + x, not 1 * x + 1 * x, for an enclosing tape too)."""
    fattrs = freeze(attrs) if attrs else ()
    tkey = tuple([(x._array.dtype, x._array.shape) for x in inputs])
    key = (cls, tkey, fattrs, mask, ones)
    try:
        return _PROGRAMS[key]
    except KeyError:
        p = _PROGRAMS[key] = _build(cls, tkey, attrs, fattrs, mask, ones)
        return p


def _build(cls, tkey, attrs, fattrs, mask, ones):
    func = FuncOp.build("vjp", T.FunctionType([], []))
    block = func.entry
    args = [block.add_argument(_ir_type(k)) for k in tkey]
    try:
        op = build_ir(cls, args, attrs, fattrs)
    except IRError as e:
        raise ValueError(f"{entry(cls).name}: {e}") from None
    block.append(op)
    rule = getattr(op, "vjp", None)
    if rule is None:
        raise no_rule(op.name)
    if len(op.results) != 1:
        raise NotImplementedError(f"gradients of '{op.name}', an op with several results, are "
                                  f"not supported yet")
    g = block.add_argument(op.results[0].type)
    b = PatternRewriter()
    b.set_insertion_point_after(op)
    try:
        contributions = rule(b, g)
    except IRError as e:
        raise NotImplementedError(e.message) from None
    emitted = []
    o = op.next
    while o is not None:
        emitted.append(o)
        o = o.next
    same = {}   # a product with the ones cotangent -> its other factor
    if ones:
        for o in emitted:
            if o.__class__ is MultiplyOp and g in o.operands:
                other = o.operands[1] if o.operands[0] is g else o.operands[0]
                if other.type == o.results[0].type:
                    same[o.results[0]] = same.get(other, other)
    wanted = [same.get(c, c) if m and c is not None else None
              for c, m in zip(contributions, mask)]
    needed = {c for c in wanted if c is not None}
    kept = []
    for o in reversed(emitted):
        if o.results[0] in needed and o.results[0] not in same:
            kept.append(o)
            needed.update(same.get(v, v) for v in o.operands)
    kept.reverse()
    number = {v: i for i, v in enumerate(args)}
    number[g] = len(args)
    number[op.results[0]] = len(args) + 1
    steps = []
    for o in kept:
        if o.__class__ is ConstantOp:
            steps.append((None, wrap(o.properties["value"].array), None))
        else:
            ra = o.reference_attrs() if hasattr(o, "reference_attrs") else {}
            fa = freeze(ra) if ra else ()
            _TEMPLATES.setdefault((o.__class__, tuple(ir_type_key(v.type) for v in o.operands),
                                   fa), o)
            steps.append((o.__class__, ra, [number[same.get(v, v)] for v in o.operands]))
        number[o.results[0]] = len(args) + 1 + len(steps)
    results = [None if c is None else number[c] for c in wanted]
    return _Program(steps, results)


def is_float_value(v):
    return element_kind(v.type.element_type) == "float"


__all__ = ["program", "build_ir", "entry", "run_step", "freeze", "NoGradientError", "no_rule",
           "is_float_value"]
