"""The correctness gate of the CPU path: every op of the `lamina` dialect, compiled to native
code by lamina itself (lamina.driver.compile_module: lowering, translation to LLVM IR, the JIT,
the calling convention), computes what its NumPy `reference` kernel (the eager kernel)
computes, on many shapes (0-d, empty dimensions, sizes that are not multiples of a vector
width), broadcasts, every element type the op takes, dynamic dimensions and non-contiguous
arguments (transposed and strided views); run-time errors (integer division by zero,
out-of-range indices) raise errors.InvalidArgumentError and leave the function usable.

Cases are grouped into one module per group (a compile costs tens of milliseconds per
function), one test per group: a failing group reports every failing case.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import tempfile

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
from lamina import errors, ir
from lamina.driver import compile_module
from lamina.dialects.lamina_ops.elementwise import _ACCEPTS, BinaryOp, CompareOp, \
    InvalidArgument, UnaryOp
from lamina.dialects.lamina_ops.reduction import ReduceOp
from lamina.ir import types as T
from lamina.ir.registry import OPS

REF = {name: cls for name, cls in OPS.items() if name.startswith("lamina.")}

NP = {"f16": np.float16, "f32": np.float32, "f64": np.float64, "i8": np.int8, "i16": np.int16,
      "i32": np.int32, "i64": np.int64, "ui8": np.uint8, "ui16": np.uint16, "ui32": np.uint32,
      "ui64": np.uint64, "i1": np.bool_}
FLOATS = ("f16", "f32", "f64")
INTS = ("i8", "i32", "i64", "ui8")
NUMBERS = FLOATS + INTS
ALL = NUMBERS + ("i1",)
# the other integer types the dialect takes: in the elementwise and cast cases
MORE_INTS = ("i16", "ui16", "ui32", "ui64")


def tt(shape, et):
    """`tensor<2x?xf32>` of a shape (None for `?`)."""
    return "tensor<" + "".join(("?" if d is None else str(d)) + "x" for d in shape) + et + ">"


def rnd(rng, shape, et, low=None, high=None):
    """Random values of lamina element type `et`: floats ~ N(0, 3), integers uniform in
    [low, high) (a default range that fits the type)."""
    dt = np.dtype(NP[et])
    if et == "i1":
        return np.asarray(rng.random(shape) < 0.5)
    if dt.kind == "f":
        return (rng.standard_normal(shape) * 3).astype(dt)
    if low is None:
        low, high = (0, 256) if et.startswith("ui") else (-50, 50)
    return rng.integers(low, high, shape).astype(dt)


def strided(a, step=2):
    """A non-contiguous view with `a`'s values: every `step`-th element of a larger array."""
    big = np.zeros(tuple(step * n for n in a.shape), a.dtype)
    view = big[tuple(slice(None, None, step) for _ in a.shape)]
    view[...] = a
    return view


def transposed(a):
    """`a` as a transposed (Fortran-ordered) view."""
    return np.ascontiguousarray(a.T).T


def tolerance(et, n=1):
    """(rtol, atol) for a float result accumulated over `n` terms."""
    eps = float(np.finfo(NP[et]).eps) if et in FLOATS else 0.0
    if eps == 0.0:
        return 0.0, 0.0
    scale = max(1.0, math.sqrt(n))
    return 8 * eps * scale, 8 * eps * scale


def check(got, want, et=None, n=1, what=""):
    """`got` (a compiled result) equals `want` (the reference): dtype, shape and values,
    floats within `tolerance(et, n)`, NaN where NaN."""
    want = np.asarray(want)
    assert isinstance(got, np.ndarray), f"{what}: result is a {type(got).__name__}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, expected {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    if want.dtype.kind == "f":
        rtol, atol = tolerance(et or _et_of(want.dtype), n)
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol,
                                   atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def _et_of(dt):
    return {np.dtype(v): k for k, v in NP.items()}[np.dtype(dt)]


def raises(call, *args, match):
    """`call(*args)` raises errors.InvalidArgumentError whose message contains `match`."""
    try:
        call(*args)
    except errors.InvalidArgumentError as e:
        assert match in str(e), f"message {str(e)!r} lacks {match!r}"
        return
    raise AssertionError(f"no InvalidArgumentError ({match!r})")


def static_message(message):
    """What compiled code's message shares with a reference kernel's: the messages of
    cf.assert are fixed when compiling, so they name no run-time index or shape (their part
    after `: `)."""
    return re.sub(r"(slice index) -?\d+ ", r"\1 ", message).split(": ")[0]


# -- groups of cases --------------------------------------------------------------------------

class Group:
    """Functions compiled in one module, and the cases that call them: `case(fn)` registers
    fn(entries), which calls the compiled functions (a dict name -> callable) and checks."""

    def __init__(self, name):
        self.name = name
        self.functions = []
        self.cases = []

    def func(self, name, args, lines, results):
        """A function of `args` (types) whose body is `lines` (ops using %a0, %a1, ...) and
        which returns `results` ([(value, type)])."""
        params = ", ".join(f"%a{i}: {t}" for i, t in enumerate(args))
        rtypes = ", ".join(t for _, t in results)
        body = "\n".join("  " + line for line in lines)
        ret = f"  return {', '.join(v for v, _ in results)} : {rtypes}" if results else \
            "  return"
        self.functions.append(f"func.func @{name}({params}) -> ({rtypes}) {{\n{body}\n{ret}\n}}")
        return name

    def case(self, fn):
        self.cases.append(fn)
        return fn

    def text(self):
        return "\n".join(self.functions)

    @functools.cached_property
    def executable(self):
        module = ir.parse(self.text())
        ir.verify(module)
        return compile_module(module)

    @functools.cached_property
    def module(self):
        """The functions as parsed (the compiled module is lowered in place)."""
        return ir.parse(self.text())

    def ops(self):
        return {op.name for op in self.module.walk()}

    def function(self, name):
        for op in self.module.regions[0].blocks[0]:
            if op.name == "func.func" and op.sym == name:
                return op
        raise KeyError(name)

    def compare(self, entries, name, *args, et=None, n=1, what=""):
        """Call compiled `name` on `args` and check its results against the reference
        kernels' (the Interpreter's), or that both raise InvalidArgumentError."""
        oracle = Interpreter()
        try:
            want = oracle.call(self.function(name), [np.array(a) if isinstance(a, np.ndarray)
                                                     else a for a in args])
        except InvalidArgument as e:
            raises(entries[name], *args, match=static_message(str(e)))
            return
        got = entries[name](*args)
        assert len(got) == len(want), f"{name}: {len(got)} results, expected {len(want)}"
        for i, (r, w) in enumerate(zip(got, want)):
            check(r, w, et, n, what=f"{name} result #{i} {what}")


class Interpreter:
    """Runs a lamina function with the ops' NumPy reference kernels (the eager kernels): the
    oracle of the compiled code. `rng`: the generator state [seed, counter] the random ops
    draw from (and advance); `printed`: what lamina.print printed."""

    def __init__(self, rng=(0, 0)):
        self.rng = list(rng)
        self.printed = []

    def call(self, fn, args):
        env = dict(zip(fn.entry.args, args))
        return self.block(fn.entry, env)

    def block(self, block, env):
        for op in block:
            if op.name in ("func.return", "lamina.yield"):
                return [env[v] for v in op.operands]
            outs = self.op(op, [env[v] for v in op.operands], env)
            env.update(zip(op.results, outs))
        raise AssertionError("a block without terminator")

    def op(self, op, xs, env):
        name = op.name
        if name == "lamina.constant":
            return [op.properties["value"].array]
        if name == "func.call":
            callee = op.properties["callee"].root
            module = op.parent_op
            while module.parent_op is not None:
                module = module.parent_op
            fn = next(f for f in module.regions[0].blocks[0] if getattr(f, "sym", None) == callee)
            return self.call(fn, xs)
        if name == "lamina.fill":
            dims = iter(xs[1:])
            shape = [int(next(dims)) if d == T.DYNAMIC else d for d in op.output.type.shape]
            return [REF[name].reference(xs[0], shape)]
        if name == "lamina.cond":
            region = op.regions[0] if xs[0] else op.regions[1]
            return self.block(region.blocks[0], dict(env))
        if name == "lamina.while":
            values = xs
            while True:
                cond = op.regions[0].blocks[0]
                (go,) = self.block(cond, {**env, **dict(zip(cond.args, values))})
                if not go:
                    return values
                body = op.regions[1].blocks[0]
                values = self.block(body, {**env, **dict(zip(body.args, values))})
        if name == "lamina.read_variable":
            return [REF[name].reference(xs[0])]
        if name == "lamina.assign_variable":
            xs[0][...] = REF[name].reference(xs[1])
            return []
        attrs = op.reference_attrs()
        if name in ("lamina.random_uniform", "lamina.random_normal"):
            shape = attrs.pop("shape", None)
            if shape is None:
                shape = [int(d) for d in xs[0]]
            out = op.reference(shape, seed=self.rng[0], counter=self.rng[1], **attrs)
            self.rng[1] += out.size
            return [out]
        if name == "lamina.print":
            self.printed.append(op.reference(*xs, **attrs))
            return []
        return [op.reference(*xs, **attrs)]


GROUPS = {}


def group(name):
    g = GROUPS.get(name)
    if g is None:
        g = GROUPS[name] = Group(name)
    return g


# -- elementwise binary ops -------------------------------------------------------------------

def _accepts(cls, et):
    """Whether op class `cls` takes element type `et`."""
    kind = "float" if et in FLOATS else "bool" if et == "i1" else \
        "uint" if et.startswith("ui") else "int"
    return kind in _ACCEPTS[cls.accepts]


BINARY = [n for n, c in REF.items() if issubclass(c, BinaryOp)]
# divisions by zero and negative integer powers are cases of their own
_SEPARATE = ("lamina.pow",)


def _binary_ops(et):
    return [n for n in BINARY if n not in _SEPARATE and _accepts(REF[n], et)]


def _binary_function(g, name, et, ops, ta, tb, tr):
    """One function applying each of `ops` to (a0, a1): one result per op."""
    lines, results = [], []
    for i, n in enumerate(ops):
        rt = tr.replace(et + ">", "i1>") if issubclass(REF[n], CompareOp) else tr
        lines.append(f"%r{i} = {n} %a0, %a1 : ({ta}, {tb}) -> {rt}")
        results.append((f"%r{i}", rt))
    return g.func(name, [ta, tb], lines, results)


def _binary_inputs(rng, et, n, sa, sb):
    a = rnd(rng, sa, et)
    b = rnd(rng, sb, et)
    if et not in FLOATS and any(o in ("lamina.floordiv", "lamina.floormod") for o in n):
        b = np.where(b == 0, np.asarray(7, b.dtype), b)  # division by zero: its own case
    return a, b


def _check_binary(fn, ops, et, a, b, what):
    got = fn(a, b)
    assert len(got) == len(ops)
    for o, r in zip(ops, got):
        check(r, REF[o].reference(a.copy(), b.copy()), et,
              what=f"{o} {what} {a.shape} {b.shape}")


# (name, lhs shape, rhs shape, result shape, runs: [(lhs shape, rhs shape, layout)])
BINARY_SHAPES = [
    ("static", (2, 3, 17), (3, 1), (2, 3, 17), [((2, 3, 17), (3, 1), None)]),
    ("dyn", (None, None), (None, None), (None, None),
     [((5, 7), (5, 7), None), ((0, 3), (0, 3), None), ((1, 1), (1, 1), None),
      ((13, 9), (13, 9), "transposed"), ((6, 11), (6, 11), "strided"),
      ((37, 45), (37, 45), None), ((8, 5), (8, 5), "reversed"), ((4, 6), (4, 6), "broadcast"),
      # a `?` of size 1 at run time broadcasts, as in TensorFlow
      ((5, 1), (1, 7), None), ((1, 7), (5, 7), "strided"), ((3, 4), (1, 1), None),
      ((1, 0), (3, 1), None)]),
    ("scalar", (), (), (), [((), (), None)]),
    ("bcast", (None, 1), (5,), (None, 5), [((4, 1), (5,), None), ((0, 1), (5,), None)]),
    ("vec0d", (None,), (), (None,), [((0,), (), None), ((1,), (), None), ((33,), (), "strided")]),
]


def _layout(a, how):
    """`a` as a view of another layout: transposed, strided, reversed, or (other values)
    its first row broadcast (zero strides)."""
    if how == "transposed" and a.ndim >= 2:
        return transposed(a)
    if how == "strided" and a.ndim >= 1:
        return strided(a)
    if how == "reversed" and a.ndim >= 1:
        return np.flip(a.copy())
    if how == "broadcast" and a.ndim >= 1:
        return np.broadcast_to(a[:1], a.shape)
    return a


# the broadcasting and layouts are the same code for every element type: all of them with
# f32 and i32, the dynamic and 0-d ones with the others
FULL = ("f32", "i32")


def _add_binary(et):
    g = group("binary_" + et)
    ops = _binary_ops(et)
    for shape_name, sa, sb, sr, runs in BINARY_SHAPES:
        if et not in FULL and shape_name not in ("dyn", "scalar"):
            continue
        name = _binary_function(g, f"{shape_name}", et, ops, tt(sa, et), tt(sb, et),
                                tt(sr, et))

        @g.case
        def run(entries, name=name, runs=runs):
            rng = np.random.default_rng(1)
            for ra, rb, layout in runs:
                a, b = _binary_inputs(rng, et, ops, ra, rb)
                _check_binary(entries[name], ops, et, _layout(a, layout), _layout(b, layout),
                              f"{name} {layout or ''}")

    if et == "f32":  # NaN, infinities and signed zeros
        @g.case
        def specials(entries):
            v = np.array([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan], np.float32)
            a, b = np.meshgrid(v, v)
            _check_binary(entries["dyn"], ops, et, a, b, "specials")

    # a dynamic dimension that does not match at run time
    @g.case
    def mismatch(entries):
        f = entries["dyn"]
        a, b = rnd(np.random.default_rng(0), (2, 3), et), rnd(np.random.default_rng(0), (2, 4),
                                                                  et)
        raises(f, a, b, match="Incompatible shapes")
        _check_binary(f, ops, et, a, a, "after the error")


for _et in ALL + MORE_INTS:
    _add_binary(_et)


def _add_division_and_pow():
    """Integer division and modulo by zero raise, and the function stays usable; integer
    powers (negative exponents of signed integers raise); float powers."""
    g = group("division")
    for et in INTS + MORE_INTS:
        t = tt((None,), et)
        g.func(f"div_{et}", [t, t], [f"%q = lamina.floordiv %a0, %a1 : ({t}, {t}) -> {t}",
                                     f"%r = lamina.floormod %a0, %a1 : ({t}, {t}) -> {t}"],
               [("%q", t), ("%r", t)])
        g.func(f"pow_{et}", [t, t], [f"%p = lamina.pow %a0, %a1 : ({t}, {t}) -> {t}"],
               [("%p", t)])

        @g.case
        def division(entries, et=et):
            f = entries[f"div_{et}"]
            dt = NP[et]
            info = np.iinfo(dt)
            a = np.array([7, -7, 7, -7, 0, info.min, info.min, info.max, 5], dt) \
                if not et.startswith("ui") else np.array([7, 200, info.max, 0, info.max - 3], dt)
            b = np.array([2, 2, -2, -2, 3, -1, 1, -1, 5], dt) \
                if not et.startswith("ui") else np.array([2, 3, info.max, 4, 2], dt)
            q, r = f(a, b)
            if not et.startswith("ui"):  # MIN // -1 wraps to MIN (x86's idiv would trap)
                with np.errstate(all="ignore"):
                    check(q, REF["lamina.floordiv"].reference(a, b), what=f"floordiv {et}")
                    check(r, REF["lamina.floormod"].reference(a, b), what=f"floormod {et}")
            else:
                check(q, a // b, what=f"floordiv {et}")
                check(r, a % b, what=f"floormod {et}")
            zero = b.copy()
            zero[1] = 0
            raises(f, a, zero, match="Integer division by zero")
            raises(f, strided(a), strided(zero), match="Integer division by zero")
            q, r = f(a, b)  # usable afterwards, and the status was reset
            check(q, a // b if et.startswith("ui") else REF["lamina.floordiv"].reference(a, b),
                  what=f"floordiv {et} after the error")

        @g.case
        def power(entries, et=et):
            f = entries[f"pow_{et}"]
            rng = np.random.default_rng(3)
            a = rnd(rng, (19,), et, -6, 7) if not et.startswith("ui") else \
                rnd(rng, (19,), et, 0, 9)
            e = rnd(rng, (19,), et, 0, 6)
            check(f(a, e)[0], REF["lamina.pow"].reference(a, e), what=f"pow {et}")
            if not et.startswith("ui"):
                e[3] = -1
                raises(f, a, e, match="Integers to negative integer powers are not allowed")
                e[3] = 2
                check(f(a, e)[0], REF["lamina.pow"].reference(a, e), what="pow after error")
    for et in FLOATS:
        t = tt((None, 3), et)
        g.func(f"pow_{et}", [t, tt((3,), et)],
               [f"%p = lamina.pow %a0, %a1 : ({t}, {tt((3,), et)}) -> {t}"], [("%p", t)])

        @g.case
        def fpower(entries, et=et):
            rng = np.random.default_rng(4)
            a = np.abs(rnd(rng, (5, 3), et)) + NP[et](0.25)
            a[0] = [-2.0, 0.0, -0.5]
            e = np.array([2.0, -1.5, 3.0], NP[et])
            check(entries[f"pow_{et}"](a, e)[0], REF["lamina.pow"].reference(a, e), et,
                  what=f"pow {et}")


_add_division_and_pow()


# -- elementwise unary ops, where, cast, constant ----------------------------------------------

UNARY = [n for n, c in REF.items() if issubclass(c, UnaryOp)]


def _unary_ops(et):
    return [n for n in UNARY if _accepts(REF[n], et)]


def _unary_inputs(rng, shape, et):
    signed = et in INTS + MORE_INTS and not et.startswith("ui")
    return rnd(rng, shape, et, -100, 100) if signed else rnd(rng, shape, et)


def _check_unary(fn, ops, et, a, what):
    got = fn(a)
    assert len(got) == len(ops)
    for o, r in zip(ops, got):
        check(r, REF[o].reference(a.copy()), et, what=f"{o} {what} {a.shape}")


def _add_unary(et):
    g = group("unary_" + et)
    ops = _unary_ops(et)
    for name, shape, runs in [("u3", (None, None, None), [((2, 3, 5), None), ((0, 4, 1), None),
                                                          ((3, 7, 2), "transposed"),
                                                          ((1, 9, 3), "strided")]),
                              ("u0", (), [((), None)]), ("us", (4, 17), [((4, 17), None)])]:
        if et not in FULL and name == "us":
            continue
        t = tt(shape, et)
        g.func(name, [t], [f"%r{i} = {o} %a0 : {t}" for i, o in enumerate(ops)],
               [(f"%r{i}", t) for i in range(len(ops))])

        @g.case
        def run(entries, name=name, runs=runs):
            rng = np.random.default_rng(5)
            for shape, layout in runs:
                a = _unary_inputs(rng, shape, et)
                _check_unary(entries[name], ops, et, _layout(a, layout), f"{name} {layout}")

    if et in FLOATS:
        @g.case
        def specials(entries):
            fi = np.finfo(NP[et])
            a = np.array([0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e-3, 30.0, -30.0, np.inf,
                          -np.inf, np.nan, fi.max, fi.tiny, 88.0, -100.0], NP[et]).reshape(1, -1, 1)
            _check_unary(entries["u3"], ops, et, a, "specials")
    elif et != "i1":
        @g.case
        def extremes(entries):
            info = np.iinfo(NP[et])
            a = np.array([info.min, info.max, 0, 1, -1 if not et.startswith("ui") else 2],
                         NP[et]).reshape(1, 1, -1)
            with np.errstate(all="ignore"):
                _check_unary(entries["u3"], ops, et, a, "extremes")


for _et in ALL + MORE_INTS:
    _add_unary(_et)


def _add_where_cast_constant():
    g = group("where_cast")
    for et in ALL:
        tc, tx, ty, tr = tt((None, 1), "i1"), tt((None, 5), et), tt((), et), tt((None, 5), et)
        g.func(f"where_{et}", [tc, tx, ty],
               [f"%r = lamina.where %a0, %a1, %a2 : ({tc}, {tx}, {ty}) -> {tr}"], [("%r", tr)])
        tc, tx = tt((2, 3, 4), "i1"), tt((4,), et)
        g.func(f"where_static_{et}", [tc, tx, tx],
               [f"%r = lamina.where %a0, %a1, %a2 : ({tc}, {tx}, {tx}) -> {tt((2, 3, 4), et)}"],
               [("%r", tt((2, 3, 4), et))])

        @g.case
        def where(entries, et=et):
            rng = np.random.default_rng(6)
            for n in (0, 1, 7):
                c, x, y = rnd(rng, (n, 1), "i1"), rnd(rng, (n, 5), et), rnd(rng, (), et)
                check(entries[f"where_{et}"](c, x, y)[0], REF["lamina.where"].reference(c, x, y),
                      et, what=f"where {et} {n}")
            c, x, y = rnd(rng, (2, 3, 4), "i1"), rnd(rng, (4,), et), rnd(rng, (4,), et)
            check(entries[f"where_static_{et}"](transposed(c), strided(x), y)[0],
                  REF["lamina.where"].reference(c, x, y), et, what=f"where static {et}")

    for et in ALL + MORE_INTS:
        # every cast from `et`
        ts = tt((None,), et)
        g.func(f"cast_{et}", [ts], [f"%r{i} = lamina.cast %a0 : {ts} to {tt((None,), d)}"
                                    for i, d in enumerate(ALL + MORE_INTS)],
               [(f"%r{i}", tt((None,), d)) for i, d in enumerate(ALL + MORE_INTS)])

        @g.case
        def cast(entries, et=et):
            rng = np.random.default_rng(7)
            if et in FLOATS:
                x = (rng.standard_normal(37) * 60).astype(NP[et])
                x[:6] = [0.0, -0.0, 0.5, -0.5, 127.9, -128.9]
            elif et == "i1":
                x = rnd(rng, (37,), et)
            else:
                info = np.iinfo(NP[et])
                x = rnd(rng, (37,), et, max(info.min, -1000), min(info.max, 1000))
                x[:2] = [info.min, info.max]
            for arg in (x, strided(x), x[:0]):
                got = entries[f"cast_{et}"](arg)
                for d, r in zip(ALL + MORE_INTS, got):
                    want = REF["lamina.cast"].reference(arg.copy(), NP[d])
                    if et in FLOATS and d == "ui64":  # negative floats to ui64: undefined
                        r, want = r[arg >= 0], want[arg >= 0]
                    check(r, want, d, what=f"cast {et} to {d}")
            if et in FLOATS:  # NaN and infinities to floats and bools
                x = np.array([np.nan, np.inf, -np.inf, 1.0], NP[et])
                got = entries[f"cast_{et}"](x)
                for d, r in zip(ALL + MORE_INTS, got):
                    if d in FLOATS or d == "i1":
                        check(r, REF["lamina.cast"].reference(x, NP[d]), d,
                              what=f"cast {et} to {d} (NaN)")

    # bf16, which numpy lacks: computed from and back to f32, against a numpy emulation
    t, tb = tt((None,), "f32"), tt((None,), "bf16")
    g.func("bf16", [t, t],
           [f"%x = lamina.cast %a0 : {t} to {tb}", f"%y = lamina.cast %a1 : {t} to {tb}",
            f"%s = lamina.add %x, %y : ({tb}, {tb}) -> {tb}",
            f"%p = lamina.multiply %s, %x : ({tb}, {tb}) -> {tb}",
            f"%e = lamina.exp %p : {tb}", f"%l = lamina.log1p %e : {tb}",
            f"%m = lamina.reduce_max %l axes = [0] : {tb} -> {tt((), 'bf16')}",
            f"%r = lamina.cast %l : {tb} to {t}",
            f"%q = lamina.cast %m : {tt((), 'bf16')} to {tt((), 'f64')}"],
           [("%r", t), ("%q", tt((), "f64"))])

    @g.case
    def bfloat16(entries):
        def bf16(x):  # round to nearest even on the upper 16 bits (no NaN here)
            u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
            u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
            return u.astype(np.uint32).view(np.float32)
        rng = np.random.default_rng(22)
        for n in (0, 1, 37):
            a, b = rnd(rng, (n,), "f32") / 3, rnd(rng, (n,), "f32") / 3
            x, y = bf16(a), bf16(b)
            s = bf16(x + y)
            e = bf16(np.exp(bf16(s * x)))
            want = bf16(np.log1p(e))
            r, q = entries["bf16"](a, b)
            check(r, want, "f32", what=f"bf16 {n}")
            check(q, np.asarray(want.max(initial=-np.inf), np.float64), "f64",
                  what=f"bf16 max {n}")

    # constants of every element type: dense, splat, 0-d and empty
    for et in ALL:
        rng = np.random.default_rng(8)
        dense = rnd(rng, (2, 3), et)
        if et == "ui8":
            dense[0, 0] = 255
        values = {"dense": dense, "splat": np.full((3, 1, 2), dense.flat[1]),
                  "scalar": np.asarray(dense.flat[2]), "empty": dense[:0]}
        lines, results = [], []
        for k, v in values.items():
            lit = str(v.tolist()).lower() if v.ndim else str(v.item()).lower()
            if k == "splat":
                lit = str(v.flat[0].item()).lower()
            if k == "empty":
                lit = ""
            lines.append(f"%{k} = lamina.constant dense<{lit}> : {tt(v.shape, et)}")
            results.append((f"%{k}", tt(v.shape, et)))
        g.func(f"constant_{et}", [], lines, results)

        @g.case
        def constant(entries, et=et, values=values):
            for (k, v), r in zip(values.items(), entries[f"constant_{et}"]()):
                check(r, v.astype(NP[et]), et, what=f"constant {k} {et}")


_add_where_cast_constant()


# -- reductions, argmax/argmin -----------------------------------------------------------------

REDUCE = [n for n, c in REF.items() if issubclass(c, ReduceOp)]
AXES = [((0,), False), ((1, 2), True), ((0, 1, 2), False), ((), False), ((2,), True),
        ((0, 2), False)]
REDUCE_RUNS = [((2, 3, 5), None), ((0, 3, 4), None), ((3, 0, 2), None), ((4, 1, 17), "transposed"),
               ((1, 1, 1), None), ((3, 5, 9), "strided"), ((5, 7, 130), None)]


def _reduced_shape(shape, axes, keep):
    return tuple(1 if i in axes else d for i, d in enumerate(shape) if keep or i not in axes)


def check_sum(got, want, x, axes, et, what):
    """A float reduction: the error bound grows with the terms' magnitude and number."""
    n = max(1, math.prod(x.shape[a] for a in axes))
    if et in FLOATS and x.size:
        eps = float(np.finfo(NP[et]).eps)
        atol = 4 * eps * n * float(np.max(np.abs(x.astype(np.float64))))
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64),
                                   rtol=8 * eps, atol=atol, equal_nan=True, err_msg=what)
        assert got.dtype == want.dtype and got.shape == want.shape, what
    else:
        check(got, want, et, what=what)


def _add_reductions():
    for et in ALL:
        g = group("reduce_" + ("float" if et in FLOATS else "int"))
        ops = [n for n in REDUCE if _accepts(REF[n], et)]
        t = tt((None,) * 3, et)
        axes_set = AXES if et in FULL else AXES[:3]
        for o in ops:
            lines, results = [], []
            for i, (axes, keep) in enumerate(axes_set):
                rt = tt(_reduced_shape((None,) * 3, axes, keep), et)
                ax = ", ".join(map(str, axes))
                lines.append(f"%r{i} = {o} %a0 axes = [{ax}]{' keepdims' if keep else ''} : "
                             f"{t} -> {rt}")
                results.append((f"%r{i}", rt))
            name = f"{o[len('lamina.'):]}_{et}"
            g.func(name, [t], lines, results)

            @g.case
            def reduce(entries, o=o, name=name, et=et, axes_set=axes_set):
                rng = np.random.default_rng(9)
                for shape, layout in REDUCE_RUNS:
                    if o == "lamina.reduce_prod" and et in FLOATS:
                        x = (1 + 0.1 * rng.standard_normal(shape)).astype(NP[et])
                    else:
                        x = rnd(rng, shape, et)
                    got = entries[name](_layout(x, layout))
                    for (axes, keep), r in zip(axes_set, got):
                        want = REF[o].reference(x, axes=axes, keepdims=keep)
                        check_sum(r, want, x, axes, et, f"{name} {shape} {layout} {axes} {keep}")
        if et == "i1":
            continue
        # argmax and argmin along each axis, i64 and i32 results
        t = tt((None, None), et)
        lines, results = [], []
        for o in ("lamina.argmax", "lamina.argmin"):
            for axis, rt in ((0, "i64"), (1, "i32")):
                r = tt((None,), rt)
                lines.append(f"%{o[7:]}{axis} = {o} %a0 axis = {axis} : {t} -> {r}")
                results.append((f"%{o[7:]}{axis}", r))
        g.func(f"arg_{et}", [t], lines, results)

        @g.case
        def arg(entries, et=et):
            rng = np.random.default_rng(10)
            f = entries[f"arg_{et}"]
            xs = [rnd(rng, (5, 7), et, -3, 3) if et != "ui8" else rnd(rng, (5, 7), et, 0, 3),
                  rnd(rng, (1, 19), et), transposed(rnd(rng, (4, 3), et))]
            if et in FLOATS:
                x = rnd(rng, (4, 5), et)
                x[1, 2] = x[3, 0] = x[3, 4] = np.nan
                x[0, 0] = np.inf
                x[2, 1] = -np.inf
                xs.append(x)
            for x in xs:
                got = f(x)
                k = 0
                for o in ("lamina.argmax", "lamina.argmin"):
                    for axis, rt in ((0, np.int64), (1, np.int32)):
                        check(got[k], REF[o].reference(x.copy(), axis=axis, output_type=rt),
                              what=f"{o} {et} axis {axis} {x.shape}")
                        k += 1
            raises(f, np.zeros((0, 3), NP[et]), match="Reduction axis 0 is empty")
            raises(f, np.zeros((3, 0), NP[et]), match="Reduction axis 1 is empty")
            f(xs[0])


_add_reductions()


# -- matmul, fill, range ------------------------------------------------------------------------

def check_matmul(got, want, a, b, et, what):
    if et in FLOATS:
        k = a.shape[-1] if a.ndim else 1
        eps = float(np.finfo(NP[et]).eps)
        scale = float(np.max(np.abs(a.astype(np.float64)), initial=0)) * \
            float(np.max(np.abs(b.astype(np.float64)), initial=0))
        assert got.dtype == want.dtype and got.shape == want.shape, \
            f"{what}: {got.dtype}{got.shape} != {want.dtype}{want.shape}"
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64),
                                   rtol=8 * eps, atol=4 * eps * max(k, 1) * scale, err_msg=what)
    else:
        check(got, want, et, what=what)


def _add_linalg():
    g = group("linalg")
    mm = REF["lamina.matmul"].reference
    for et in NUMBERS:
        t = tt((None, None), et)
        g.func(f"mm_{et}", [t, t], [f"%r = lamina.matmul %a0, %a1 : ({t}, {t}) -> {t}"],
               [("%r", t)])
        g.func(f"mmt_{et}", [t, t], [f"%r = lamina.matmul %a0, %a1 transpose_a transpose_b : "
                                     f"({t}, {t}) -> {t}"], [("%r", t)])
        ta, tb, tr = tt((5, 1, 3, 2), et), tt((7, 4, 3), et), tt((5, 7, 2, 4), et)
        g.func(f"mmb_{et}", [ta, tb], [f"%r = lamina.matmul %a0, %a1 transpose_a transpose_b : "
                                       f"({ta}, {tb}) -> {tr}"], [("%r", tr)])
        ta, tb, tr = tt((None, 2, None), et), tt((None, 5), et), tt((None, 2, 5), et)
        g.func(f"mmd_{et}", [ta, tb], [f"%r = lamina.matmul %a0, %a1 : ({ta}, {tb}) -> {tr}"],
               [("%r", tr)])

        @g.case
        def matmul(entries, et=et):
            rng = np.random.default_rng(11)
            lo, hi = (0, 4) if et == "ui8" else (-4, 4)
            f = entries[f"mm_{et}"]
            for (m, k, n), layout in [((3, 5, 7), None), ((0, 4, 3), None), ((4, 0, 3), None),
                                      ((17, 9, 33), None), ((6, 5, 4), "transposed"),
                                      ((5, 6, 3), "strided"), ((1, 1, 1), None),
                                      ((40, 70, 65), None)]:
                a, b = rnd(rng, (m, k), et, lo, hi), rnd(rng, (k, n), et, lo, hi)
                r = f(_layout(a, layout), _layout(b, layout))[0]
                check_matmul(r, mm(a, b), a, b, et, f"matmul {et} {m}x{k}x{n} {layout}")
            a, b = rnd(rng, (4, 6), et, lo, hi), rnd(rng, (3, 4), et, lo, hi)
            check_matmul(entries[f"mmt_{et}"](a, b)[0], mm(a, b, True, True), a, b, et,
                         f"matmul^T {et}")
            raises(f, rnd(rng, (2, 3), et), rnd(rng, (4, 2), et), match="Matrix size-incompatible")
            a, b = rnd(rng, (5, 1, 3, 2), et, lo, hi), rnd(rng, (7, 4, 3), et, lo, hi)
            check_matmul(entries[f"mmb_{et}"](a, b)[0], mm(a, b, True, True), a, b, et,
                         f"batched matmul {et}")
            for batch, k in ((3, 4), (0, 2), (2, 0)):
                a, b = rnd(rng, (batch, 2, k), et, lo, hi), rnd(rng, (k, 5), et, lo, hi)
                check_matmul(entries[f"mmd_{et}"](a, b)[0], mm(a, b), a, b, et,
                             f"dynamic batched matmul {et} {batch} {k}")

    for et in ALL:
        ft = tt((None, 3, None), et)
        g.func(f"fill_{et}", [tt((), et), "index", "index"],
               [f"%r = lamina.fill %a0 [%a1, %a2] : {tt((), et)} -> {ft}",
                f"%s = lamina.fill %a0 : {tt((), et)} -> {tt((2, 5), et)}"],
               [("%r", ft), ("%s", tt((2, 5), et))])

        @g.case
        def fill(entries, et=et):
            v = rnd(np.random.default_rng(12), (), et)
            for n, k in ((2, 4), (0, 3), (1, 0), (5, 17)):
                r, s = entries[f"fill_{et}"](v, n, k)
                check(r, REF["lamina.fill"].reference(v, (n, 3, k)), et, what=f"fill {et}")
                check(s, REF["lamina.fill"].reference(v, (2, 5)), et, what=f"fill {et}")

    for et in ("i8", "i32", "i64", "f16", "f32", "f64"):
        t = tt((), et)
        g.func(f"range_{et}", [t, t, t], [f"%r = lamina.range %a0, %a1, %a2 : {t} -> "
                                          f"{tt((None,), et)}"], [("%r", tt((None,), et))])

        @g.case
        def range_(entries, et=et):
            f = entries[f"range_{et}"]
            runs = [(0, 10, 3), (10, 0, -3), (5, 5, 1), (-7, 8, 1), (3, -4, -2), (0, 100, 7)]
            if et in FLOATS:
                runs += [(0.5, 3.25, 0.75), (1.0, -2.0, -0.5), (0.0, 1.0, 0.25)]
            for start, limit, delta in runs:
                args = [np.asarray(v, NP[et]) for v in (start, limit, delta)]
                check(f(*args)[0], REF["lamina.range"].reference(*args), et,
                      what=f"range {et} {start} {limit} {delta}")
            one = np.asarray(1, NP[et])
            raises(f, one, one, np.asarray(0, NP[et]), match="Requires delta != 0")
            raises(f, np.asarray(5, NP[et]), one, one,
                   match="Requires start <= limit when delta > 0")
            raises(f, one, np.asarray(5, NP[et]), np.asarray(-1, NP[et]),
                   match="Requires start >= limit when delta < 0")


_add_linalg()


# -- nn: conv2d and pooling ---------------------------------------------------------------------

CONVS = [((1, 5, 5, 2), (3, 3, 2, 3), (1, 1), "SAME", (1, 1)),
         ((2, 7, 6, 3), (3, 2, 3, 4), (2, 2), "SAME", (1, 1)),
         ((1, 9, 9, 2), (3, 3, 2, 2), (2, 1), "VALID", (2, 2)),
         ((1, 6, 6, 1), (2, 2, 1, 1), (3, 3), "SAME", (1, 1)),
         ((2, 4, 4, 3), (4, 4, 3, 2), (1, 1), "VALID", (1, 1)),
         ((1, 3, 3, 1), (5, 5, 1, 1), (1, 1), "SAME", (1, 1)),
         ((1, 11, 10, 2), (3, 3, 2, 17), (2, 3), "SAME", (2, 1))]


def _conv_text(x, w, strides, padding, dil, et, out=None):
    d = f" dilations = [{dil[0]}, {dil[1]}]" if tuple(dil) != (1, 1) else ""
    return (f"%r = lamina.conv2d %a0, %a1 strides = [{strides[0]}, {strides[1]}] padding = "
            f"{padding}{d} : ({tt(x, et)}, {tt(w, et)}) -> {tt(out, et)}")


def _pool_text(op, x, k, strides, padding, et, out):
    return (f"%r = {op} %a0 ksize = [{k[0]}, {k[1]}] strides = [{strides[0]}, {strides[1]}] "
            f"padding = {padding} : {tt(x, et)} -> {tt(out, et)}")


def _out_shape(x, w_hw, strides, padding, dil, channels):
    from lamina.dialects.lamina_ops.nn import _Ints, window_geometry
    return (x[0],) + tuple(window_geometry(_Ints, x[k + 1], w_hw[k], strides[k], dil[k],
                                           padding)[0] for k in (0, 1)) + (channels,)


def _add_nn():
    g = group("nn")
    for et in ("f32", "f64", "f16", "i32", "i8", "ui8"):
        convs = CONVS if et == "f32" else CONVS[1:3]
        for i, (x, w, strides, padding, dil) in enumerate(convs):
            out = _out_shape(x, w[:2], strides, padding, dil, w[3])
            conv = g.func(f"conv{i}_{et}", [tt(x, et), tt(w, et)],
                          [_conv_text(x, w, strides, padding, dil, et, out)], [("%r", tt(out, et))])
            pools = []
            for op in ("lamina.max_pool2d", "lamina.avg_pool2d"):
                if op == "lamina.avg_pool2d" and et not in FLOATS:
                    continue
                pout = _out_shape(x, w[:2], strides, padding, (1, 1), x[3])
                pools.append(g.func(f"{op[7:]}{i}_{et}", [tt(x, et)],
                                    [_pool_text(op, x, w[:2], strides, padding, et, pout)],
                                    [("%r", tt(pout, et))]))

            @g.case
            def conv_pool(entries, conv=conv, pools=pools, x=x, w=w, et=et, i=i):
                rng = np.random.default_rng(13)
                lo, hi = (0, 4) if et == "ui8" else (-3, 4)
                xa = rnd(rng, x, et, lo, hi)
                wa = rnd(rng, w, et, lo, hi)
                n = w[0] * w[1] * w[2]
                g.compare(entries, conv, xa if i % 2 else transposed(xa), wa, et=et, n=n * 4)
                for p in pools:
                    g.compare(entries, p, strided(xa) if i % 2 else xa, et=et,
                              n=w[0] * w[1])

    # dynamic batch and spatial sizes: the padding is computed at run time
    for et in ("f32", "i32"):
        x, w, xo = (None, None, None, 3), (3, 3, 3, 4), (None, None, None, 4)
        g.func(f"conv_dyn_{et}", [tt(x, et), tt(w, et)],
               [_conv_text(x, w, (2, 2), "SAME", (1, 1), et, xo)], [("%r", tt(xo, et))])
        g.func(f"conv_valid_dyn_{et}", [tt(x, et), tt(w, et)],
               [_conv_text(x, w, (1, 2), "VALID", (1, 1), et, xo)], [("%r", tt(xo, et))])
        g.func(f"maxpool_dyn_{et}", [tt(x, et)],
               [_pool_text("lamina.max_pool2d", x, (2, 3), (2, 2), "SAME", et,
                           (None, None, None, 3))], [("%r", tt((None, None, None, 3), et))])

        @g.case
        def conv_dynamic(entries, et=et):
            rng = np.random.default_rng(14)
            wa = rnd(rng, (3, 3, 3, 4), et, -3, 4)
            for shape in ((2, 5, 7, 3), (0, 4, 4, 3), (1, 1, 1, 3), (1, 8, 3, 3)):
                xa = rnd(rng, shape, et, -3, 4)
                g.compare(entries, f"conv_dyn_{et}", xa, wa, et=et, n=27 * 4)
                g.compare(entries, f"maxpool_dyn_{et}", xa, et=et)
                g.compare(entries, f"conv_valid_dyn_{et}", xa, wa, et=et, n=27 * 4)
        if et == "f32":
            # channels known at run time only
            xc, wc, oc = (1, 5, 4, None), (2, 3, None, None), (1, 5, 4, None)
            g.func("conv_channels", [tt(xc, et), tt(wc, et)],
                   [_conv_text(xc, wc, (1, 1), "SAME", (1, 1), et, oc)], [("%r", tt(oc, et))])

            @g.case
            def conv_channels(entries):
                rng = np.random.default_rng(24)
                for ci, co in ((3, 2), (1, 5), (0, 2), (2, 0)):
                    g.compare(entries, "conv_channels", rnd(rng, (1, 5, 4, ci), "f32"),
                              rnd(rng, (2, 3, ci, co), "f32"), et="f32", n=6 * max(ci, 1) * 4)
                g.compare(entries, "conv_channels", rnd(rng, (1, 5, 4, 3), "f32"),
                          rnd(rng, (2, 3, 2, 2), "f32"))
            g.func("avgpool_dyn", [tt(x, et)],
                   [_pool_text("lamina.avg_pool2d", x, (3, 2), (1, 2), "SAME", et,
                               (None, None, None, 3))], [("%r", tt((None, None, None, 3), et))])

            @g.case
            def avgpool_dynamic(entries):
                rng = np.random.default_rng(15)
                for shape in ((2, 5, 7, 3), (0, 4, 4, 3), (1, 1, 1, 3)):
                    g.compare(entries, "avgpool_dyn", rnd(rng, shape, "f32"), et="f32", n=6)


_add_nn()


# -- shape ops ----------------------------------------------------------------------------------

SLICES = ["[1:3, ::2, 0]", "[::-1, 2:0:-1, -1]", "[-1, 1:, ::3]", "[:, -100:100:2]",
          "[1, -1::-2]", "[0:5:7, 1]", "[:, :, 3:1]", "[0]", "[:, 1:2, -3:]"]


def _slice_shape(spec, shape):
    return np.empty(shape)[eval(f"np.s_{spec}")].shape


def _add_shape():
    g = group("shape")
    for et in ("f32", "i8", "ui8", "i1", "f16", "i64"):
        x = (2, 3, 4)
        t, td = tt(x, et), tt((None, 3, 4), et)
        lines = [f"%reshape = lamina.reshape %a0 : {t} -> {tt((4, 6), et)}",
                 f"%reshape_dyn = lamina.reshape %a1 : {td} -> {tt((None, 6), et)}",
                 f"%reshape_0d = lamina.reshape %a2 : {tt((1, 1), et)} -> {tt((), et)}",
                 f"%transpose = lamina.transpose %a0 perm = [2, 0, 1] : {t} -> "
                 f"{tt((4, 2, 3), et)}",
                 f"%transpose_dyn = lamina.transpose %a1 perm = [1, 2, 0] : {td} -> "
                 f"{tt((3, 4, None), et)}",
                 f"%concat = lamina.concat %a1, %a0, %a1 axis = 0 : ({td}, {t}, {td}) -> "
                 f"{tt((None, 3, 4), et)}",
                 f"%concat2 = lamina.concat %a0, %a0 axis = 2 : ({t}, {t}) -> "
                 f"{tt((2, 3, 8), et)}",
                 f"%stack = lamina.stack %a0, %a0 axis = 3 : ({t}, {t}) -> "
                 f"{tt((2, 3, 4, 2), et)}",
                 f"%stack_dyn = lamina.stack %a1, %a1, %a1 axis = 1 : ({td}, {td}, {td}) -> "
                 f"{tt((None, 3, 3, 4), et)}",
                 f"%stack0 = lamina.stack %a1 axis = 0 : ({td}) -> {tt((1, None, 3, 4), et)}",
                 f"%bcast = lamina.broadcast_to %a2 : ({tt((1, 1), et)}) -> "
                 f"{tt((2, 3, 5), et)}",
                 f"%bcast_dyn = lamina.broadcast_to %a1 : ({td}) -> {tt((2, None, 3, 4), et)}",
                 f"%shape = lamina.shape %a1 : {td} -> {tt((3,), 'i32')}",
                 f"%shape64 = lamina.shape %a0 : {t} -> {tt((3,), 'i64')}"]
        for i, spec in enumerate(SLICES):
            lines.append(f"%slice{i} = lamina.strided_slice %a0 {spec} : ({t}) -> "
                         f"{tt(_slice_shape(spec, x), et)}")
        results = [(line.split(" ")[0], line.rsplit("-> ", 1)[1]) for line in lines]
        g.func(f"shape_{et}", [t, td, tt((1, 1), et)], lines, results)

        @g.case
        def shape_ops(entries, et=et):
            rng = np.random.default_rng(16)
            a = rnd(rng, (2, 3, 4), et)
            for n, layout in ((3, None), (0, None), (1, "transposed"), (5, "strided")):
                b = _layout(rnd(rng, (n, 3, 4), et), layout)
                c = rnd(rng, (1, 1), et)
                g.compare(entries, f"shape_{et}", transposed(a) if n == 1 else a, b, c, et=et,
                          what=f"{n} {layout}")

    # dynamic bounds, a shape operand, run-time shape checks
    t, td = tt((2, 3, 4), "f32"), tt((None, 3, 4), "f32")
    g.func("slice_dynamic", [td, tt((), "i32"), tt((), "i64")],
           [f"%r = lamina.strided_slice %a0 [%a1, :, %a2] : ({td}, {tt((), 'i32')}, "
            f"{tt((), 'i64')}) -> {tt((3,), 'f32')}",
            f"%s = lamina.strided_slice %a0 [:, %a1:%a2:-1] : ({td}, {tt((), 'i32')}, "
            f"{tt((), 'i64')}) -> {tt((None, None, 4), 'f32')}",
            f"%u = lamina.strided_slice %a0 [%a2:, 1:%a1] : ({td}, {tt((), 'i64')}, "
            f"{tt((), 'i32')}) -> {tt((None, None, 4), 'f32')}"],
           [("%r", tt((3,), "f32")), ("%s", tt((None, None, 4), "f32")),
            ("%u", tt((None, None, 4), "f32"))])

    @g.case
    def slice_dynamic(entries):
        rng = np.random.default_rng(17)
        x = rnd(rng, (5, 3, 4), "f32")
        for i, j in ((-1, 3), (2, 0), (0, -4), (4, 1), (-5, 2), (1, 100)):
            g.compare(entries, "slice_dynamic", x, np.asarray(i, np.int32),
                      np.asarray(j, np.int64), what=f"[{i}, {j}]")
        # out of range single indices raise, and the function stays usable
        for i, j in ((5, 0), (-6, 0), (0, 4), (0, -5)):
            raises(entries["slice_dynamic"], x, np.asarray(i, np.int32), np.asarray(j, np.int64),
                   match="out of bounds")
        g.compare(entries, "slice_dynamic", x, np.asarray(1, np.int32), np.asarray(2, np.int64))

    for et in ("f32", "i32"):
        ta, tda = tt((2, 3, 4), et), tt((None, 3, 4), et)
        lines = [f"%r = lamina.reduce_to_shape %a0 : ({ta}) -> {tt((3, 1), et)}",
                 f"%s = lamina.reduce_to_shape %a1 : ({tda}) -> {tt((1, 3, 4), et)}",
                 f"%u = lamina.reduce_to_shape %a1 : ({tda}) -> {tt((None, 1, 4), et)}"]
        g.func(f"reduce_to_shape_{et}", [ta, tda], lines,
               [(line.split(" ")[0], line.rsplit("-> ", 1)[1]) for line in lines])

        @g.case
        def reduce_to_shape(entries, et=et):
            rng = np.random.default_rng(18)
            for n in (3, 0, 1):
                g.compare(entries, f"reduce_to_shape_{et}", rnd(rng, (2, 3, 4), et),
                          rnd(rng, (n, 3, 4), et), et=et, what=f"{n}")

    ts = tt((2,), "i32")
    g.func("broadcast_shape", [tt((None,), "f32"), ts],
           [f"%r = lamina.broadcast_to %a0, %a1 : ({tt((None,), 'f32')}, {ts}) -> "
            f"{tt((None, None), 'f32')}"], [("%r", tt((None, None), "f32"))])
    g.func("reshape_infer", [tt((None, None), "i32")],
           [f"%r = lamina.reshape %a0 : {tt((None, None), 'i32')} -> {tt((None, 4), 'i32')}",
            f"%s = lamina.reshape %a0 : {tt((None, None), 'i32')} -> {tt((2, 3, 2), 'i32')}"],
           [("%r", tt((None, 4), "i32")), ("%s", tt((2, 3, 2), "i32"))])
    g.func("concat_dyn", [tt((None, None), "f64"), tt((None, 2), "f64")],
           [f"%r = lamina.concat %a0, %a1 axis = 1 : ({tt((None, None), 'f64')}, "
            f"{tt((None, 2), 'f64')}) -> {tt((None, None), 'f64')}"],
           [("%r", tt((None, None), "f64"))])

    g.func("stack_dyn", [t, td], [f"%r = lamina.stack %a0, %a1 axis = 3 : ({t}, {td}) -> "
                                  f"{tt((2, 3, 4, 2), 'f32')}"], [("%r", tt((2, 3, 4, 2), "f32"))])

    @g.case
    def dynamic_shapes(entries):
        rng = np.random.default_rng(18)
        x = rnd(rng, (4,), "f32")
        g.compare(entries, "broadcast_shape", x, np.array([3, 4], np.int32))
        # a `?` input dimension of size 1 at run time broadcasts, as in numpy and TensorFlow
        g.compare(entries, "broadcast_shape", x[:1], np.array([2, 5], np.int32))
        g.compare(entries, "broadcast_shape", x[:0], np.array([0, 0], np.int32))
        raises(entries["broadcast_shape"], x, np.array([3, 5], np.int32),
               match="Unable to broadcast")
        y = rnd(rng, (3, 4), "i32")
        g.compare(entries, "reshape_infer", y)
        g.compare(entries, "reshape_infer", transposed(rnd(rng, (4, 3), "i32")))
        raises(entries["reshape_infer"], rnd(rng, (2, 5), "i32"), match="reshape")
        a, b = rnd(rng, (3, 5), "f64"), rnd(rng, (3, 2), "f64")
        g.compare(entries, "concat_dyn", a, b)
        g.compare(entries, "concat_dyn", a[:, :0], strided(b))
        raises(entries["concat_dyn"], a, b[:2], match="")
        a = rnd(rng, (2, 3, 4), "f32")
        g.compare(entries, "stack_dyn", a, strided(a + 1))
        raises(entries["stack_dyn"], a, rnd(rng, (3, 3, 4), "f32"), match="")


_add_shape()


# -- the ops derivatives emit ---------------------------------------------------------------------

def _add_derivatives():
    g = group("derivatives")
    x = (4, 5, 6)
    for et in ("f32", "i8", "i1"):
        lines = ["%shape = lamina.constant dense<[4, 5, 6]> : tensor<3xi64>"]
        names = []
        for i, spec in enumerate(SLICES):
            dy = tt(_slice_shape(spec, x), et)
            lines.append(f"%grad{i} = lamina.strided_slice_grad %a{i}, %shape {spec} : ({dy}, "
                         f"tensor<3xi64>) -> {tt(x, et)}")
            names.append(dy)
        g.func(f"slice_grad_{et}", names, lines,
               [(f"%grad{i}", tt(x, et)) for i in range(len(SLICES))])

        @g.case
        def slice_grad(entries, et=et, names=names):
            rng = np.random.default_rng(19)
            dys = [rnd(rng, _slice_shape(spec, x), et) for spec in SLICES]
            g.compare(entries, f"slice_grad_{et}", *dys, et=et)
    # a dynamic shape and dynamic bounds
    td, ts = tt((None,), "f32"), tt((2,), "i32")
    g.func("slice_grad_dynamic", [td, ts, tt((), "i64")],
           [f"%r = lamina.strided_slice_grad %a0, %a1 [%a2::-2, 1] : ({td}, {ts}, "
            f"{tt((), 'i64')}) -> {tt((None, 3), 'f32')}"], [("%r", tt((None, 3), "f32"))])

    @g.case
    def slice_grad_dynamic(entries):
        rng = np.random.default_rng(20)
        for n, i in ((5, 3), (4, -1), (6, 0), (0, 0)):
            k = len(range(*slice(i, None, -2).indices(n))) if n else 0
            g.compare(entries, "slice_grad_dynamic", rnd(rng, (k,), "f32"),
                      np.array([n, 3], np.int32), np.asarray(i, np.int64), what=f"{n} {i}")
        raises(entries["slice_grad_dynamic"], rnd(rng, (2,), "f32"), np.array([5, 3], np.int32),
               np.asarray(0, np.int64), match="shape of dy")

    for et in ("f32", "f64", "i32"):
        for i, (xs, ws, strides, padding, dil) in enumerate(CONVS if et == "f32" else
                                                            CONVS[2:3]):
            ys = _out_shape(xs, ws[:2], strides, padding, dil, ws[3])
            d = f" dilations = [{dil[0]}, {dil[1]}]" if tuple(dil) != (1, 1) else ""
            attrs = f"strides = [{strides[0]}, {strides[1]}] padding = {padding}{d}"
            sx, sw = tt((4,), "i32"), tt((4,), "i64")
            g.func(f"conv_grads{i}_{et}", [sx, tt(ws, et), tt(ys, et), tt(xs, et), sw],
                   [f"%dx = lamina.conv2d_backprop_input %a0, %a1, %a2 {attrs} : ({sx}, "
                    f"{tt(ws, et)}, {tt(ys, et)}) -> {tt(xs, et)}",
                    f"%dw = lamina.conv2d_backprop_filter %a3, %a4, %a2 {attrs} : "
                    f"({tt(xs, et)}, {sw}, {tt(ys, et)}) -> {tt(ws, et)}"],
                   [("%dx", tt(xs, et)), ("%dw", tt(ws, et))])

            @g.case
            def conv_grads(entries, i=i, xs=xs, ws=ws, ys=ys, et=et):
                rng = np.random.default_rng(21)
                w, dy, xa = (rnd(rng, s, et, -3, 4) for s in (ws, ys, xs))
                n = ws[0] * ws[1] * max(ws[2], ws[3]) * max(ys[1] * ys[2], 1)
                g.compare(entries, f"conv_grads{i}_{et}", np.array(xs, np.int32),
                          transposed(w) if i % 2 else w, dy, strided(xa) if i % 2 else xa,
                          np.array(ws, np.int64), et=et, n=n * 4)
    # batch and spatial sizes known at run time
    xd, w, yd = (None, None, None, 3), (3, 2, 3, 2), (None, None, None, 2)
    for padding, strides in (("SAME", (2, 2)), ("VALID", (1, 2))):
        attrs = f"strides = [{strides[0]}, {strides[1]}] padding = {padding}"
        g.func(f"conv_grads_dyn_{padding}", [tt((None,), "i64"), tt(w, "f32"), tt(yd, "f32"),
                                             tt(xd, "f32"), tt((4,), "i64")],
               [f"%dx = lamina.conv2d_backprop_input %a0, %a1, %a2 {attrs} : ({tt((None,), 'i64')}"
                f", {tt(w, 'f32')}, {tt(yd, 'f32')}) -> {tt(xd, 'f32')}",
                f"%dw = lamina.conv2d_backprop_filter %a3, %a4, %a2 {attrs} : ({tt(xd, 'f32')}"
                f", {tt((4,), 'i64')}, {tt(yd, 'f32')}) -> {tt(w, 'f32')}"],
               [("%dx", tt(xd, "f32")), ("%dw", tt(w, "f32"))])

        @g.case
        def conv_grads_dynamic(entries, padding=padding, strides=strides):
            rng = np.random.default_rng(22)
            wa = rnd(rng, w, "f32")
            for xs in ((2, 5, 7, 3), (1, 3, 2, 3), (0, 4, 4, 3), (1, 6, 5, 3)):
                ys = _out_shape(xs, w[:2], strides, padding, (1, 1), 2)
                g.compare(entries, f"conv_grads_dyn_{padding}", np.array(xs, np.int64), wa,
                          rnd(rng, ys, "f32"), rnd(rng, xs, "f32"), np.array(w, np.int64),
                          et="f32", n=60, what=f"{xs}")
            for sizes, ys in (((1, 5, 5, 3), (1, 1, 1, 2)), ((1, 5, 5, 3, 1), None)):
                raises(entries[f"conv_grads_dyn_{padding}"], np.array(sizes, np.int64), wa,
                       rnd(rng, ys or _out_shape(sizes, w[:2], strides, padding, (1, 1), 2),
                           "f32"),
                       rnd(rng, (1, 5, 5, 3), "f32"), np.array(w, np.int64), match="Conv2D")

    pools = [((1, 5, 5, 2), (3, 3), (2, 2), "SAME"), ((2, 6, 7, 3), (2, 2), (2, 2), "VALID"),
             ((1, 5, 4, 1), (3, 2), (1, 1), "SAME"), ((1, 7, 5, 2), (2, 3), (3, 1), "VALID")]
    for et in ("f32", "f64", "i32", "ui8"):
        for i, (xs, k, strides, padding) in enumerate(pools if et == "f32" else
                                                      pools[:1] if et == "f64" else pools[1::2]):
            ys = _out_shape(xs, k, strides, padding, (1, 1), xs[3])
            attrs = f"ksize = [{k[0]}, {k[1]}] strides = [{strides[0]}, {strides[1]}] " \
                    f"padding = {padding}"
            lines = [f"%mg = lamina.max_pool2d_grad %a0, %a1 {attrs} : ({tt(xs, et)}, "
                     f"{tt(ys, et)}) -> {tt(xs, et)}",
                     f"%mgg = lamina.max_pool2d_grad_grad %a0, %a2 {attrs} : ({tt(xs, et)}, "
                     f"{tt(xs, et)}) -> {tt(ys, et)}"]
            if et in FLOATS:
                lines.append(f"%ag = lamina.avg_pool2d_grad %a3, %a1 {attrs} : "
                             f"({tt((4,), 'i32')}, {tt(ys, et)}) -> {tt(xs, et)}")
            g.func(f"pool_grads{i}_{et}", [tt(xs, et), tt(ys, et), tt(xs, et),
                                           tt((4,), "i32")], lines,
                   [(line.split(" ")[0], line.rsplit("-> ", 1)[1]) for line in lines])

            @g.case
            def pool_grads(entries, i=i, xs=xs, ys=ys, et=et):
                rng = np.random.default_rng(23)
                lo, hi = (0, 4) if et == "ui8" else (-3, 4)
                # small integers: ties, which go to the first largest element
                xa = rnd(rng, xs, "i32", -2, 3).astype(NP[et]) if et != "ui8" else \
                    rnd(rng, xs, et, 0, 3)
                g.compare(entries, f"pool_grads{i}_{et}", transposed(xa) if i % 2 else xa,
                          rnd(rng, ys, et, lo, hi), strided(rnd(rng, xs, et, lo, hi)),
                          np.array(xs, np.int32), et=et, n=9)
    xd, yd = (None, None, None, 2), (None, None, None, 2)
    attrs = "ksize = [3, 2] strides = [2, 2] padding = SAME"
    g.func("pool_grads_dyn", [tt(xd, "f32"), tt(yd, "f32"), tt((4,), "i64")],
           [f"%mg = lamina.max_pool2d_grad %a0, %a1 {attrs} : ({tt(xd, 'f32')}, "
            f"{tt(yd, 'f32')}) -> {tt(xd, 'f32')}",
            f"%mgg = lamina.max_pool2d_grad_grad %a0, %a0 {attrs} : ({tt(xd, 'f32')}, "
            f"{tt(xd, 'f32')}) -> {tt(yd, 'f32')}",
            f"%ag = lamina.avg_pool2d_grad %a2, %a1 {attrs} : ({tt((4,), 'i64')}, "
            f"{tt(yd, 'f32')}) -> {tt(xd, 'f32')}"],
           [("%mg", tt(xd, "f32")), ("%mgg", tt(yd, "f32")), ("%ag", tt(xd, "f32"))])

    @g.case
    def pool_grads_dynamic(entries):
        rng = np.random.default_rng(25)
        for xs in ((2, 5, 7, 2), (1, 1, 1, 2), (0, 4, 4, 2), (1, 0, 3, 2)):
            ys = _out_shape(xs, (3, 2), (2, 2), "SAME", (1, 1), 2)
            g.compare(entries, "pool_grads_dyn", rnd(rng, xs, "f32"), rnd(rng, ys, "f32"),
                      np.array(xs, np.int64), et="f32", n=6, what=f"{xs}")
        raises(entries["pool_grads_dyn"], rnd(rng, (1, 4, 4, 2), "f32"),
               rnd(rng, (1, 3, 2, 2), "f32"), np.array((1, 4, 4, 2), np.int64), match="")


_add_derivatives()


def _add_stop_gradient():
    g = group("stop_gradient")
    t, td = tt((2, 3), "f32"), tt((None, 3), "i32")
    g.func("stop_gradient", [t, td], [f"%r = lamina.stop_gradient %a0 : {t}",
                                      f"%s = lamina.stop_gradient %a1 : {td}"],
           [("%r", t), ("%s", td)])

    @g.case
    def stop_gradient(entries):
        rng = np.random.default_rng(19)
        for n in (4, 0):
            g.compare(entries, "stop_gradient", rnd(rng, (2, 3), "f32"), rnd(rng, (n, 3), "i32"),
                      what=f"{n}")


_add_stop_gradient()


# -- random ops: the runtime's generator state ---------------------------------------------------

def _add_random():
    g = group("random")
    shape_t = tt((2,), "i32")
    lines = ["%u = lamina.random_uniform : tensor<3x5xf32>",
             "%u64 = lamina.random_uniform {maxval = 2.5, minval = -3.0} : tensor<4x5xf64>",
             "%u16 = lamina.random_uniform {maxval = 4.0, minval = 2.0} : tensor<7xf16>",
             f"%ud = lamina.random_uniform %a0 : {shape_t} -> tensor<?x?xf32>",
             "%u0 = lamina.random_uniform : tensor<f64>",
             "%n64 = lamina.constant dense<[3, 2]> : tensor<2xi64>",
             "%ul = lamina.random_uniform %n64 : tensor<2xi64> -> tensor<?x?xf32>"]
    results = [("%u", "tensor<3x5xf32>"), ("%u64", "tensor<4x5xf64>"), ("%u16", "tensor<7xf16>"),
               ("%ud", "tensor<?x?xf32>"), ("%u0", "tensor<f64>"), ("%ul", "tensor<?x?xf32>")]
    g.func("uniform", [shape_t], lines, results)
    lines = ["%n = lamina.random_normal : tensor<33x17xf32>",
             f"%n64 = lamina.random_normal %a0 {{mean = 1.0, stddev = 2.0}} : {shape_t} -> "
             "tensor<?x?xf64>",
             "%n16 = lamina.random_normal {stddev = 0.5} : tensor<5x3xf16>"]
    g.func("normal", [shape_t], lines, [("%n", "tensor<33x17xf32>"), ("%n64", "tensor<?x?xf64>"),
                                        ("%n16", "tensor<5x3xf16>")])

    @g.case
    def random(entries):
        from lamina.runtime.rng import STATE
        saved = STATE.copy()
        try:
            for seed, counter in ((0, 0), (42, 7), (-3, (1 << 62) + 5), (1 << 40, 2 ** 32 - 3)):
                for dims in ((2, 3), (0, 4), (1, 1)):
                    shape = np.array(dims, np.int32)
                    STATE[:] = (seed, counter)
                    oracle = Interpreter((seed, counter))
                    want = oracle.call(g.function("uniform"), [shape])
                    got = entries["uniform"](shape)
                    assert STATE[1] == np.int64(oracle.rng[1]), (STATE, oracle.rng)
                    for r, w in zip(got, want):  # bit for bit
                        assert r.dtype == w.dtype and r.shape == w.shape, (r, w)
                        np.testing.assert_array_equal(r, w, err_msg=f"uniform {seed} {counter}")
                    again = entries["uniform"](shape)  # fresh draws on every call
                    assert not np.array_equal(again[0], got[0])
                    STATE[:] = (seed, counter)
                    oracle = Interpreter((seed, counter))
                    want = oracle.call(g.function("normal"), [shape])
                    got = entries["normal"](shape)
                    assert STATE[1] == np.int64(oracle.rng[1])
                    for r, w in zip(got, want):
                        et = _et_of(w.dtype)
                        # log and cos of the C library against numpy's: a few ulps
                        check(r, w, et, n=64 if et == "f32" else 1, what=f"normal {seed}")
            # the statistics of many normal draws
            STATE[:] = (123, 0)
            draws = np.concatenate([entries["normal"](np.array([300, 300], np.int32))[1].ravel()
                                    for _ in range(3)])
            assert abs(draws.mean() - 1.0) < 0.02 and abs(draws.std() - 2.0) < 0.02
            u = entries["uniform"](np.array([1000, 100], np.int32))[3]
            assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01
        finally:
            STATE[:] = saved


_add_random()


# -- control flow: lamina.cond and lamina.while ---------------------------------------------------

def _add_control():
    g = group("control")
    f, i32, b = tt((None,), "f32"), tt((), "i32"), tt((), "i1")
    g.func("cond", [b, tt((3,), "f32"), f],
           [f"%r:2 = lamina.cond %a0 -> ({f}, {i32}) {{",
            "  %c = lamina.constant dense<1> : tensor<i32>",
            "  lamina.yield %a1, %c : tensor<3xf32>, tensor<i32>",
            "} else {",
            f"  %d = lamina.add %a2, %a2 : ({f}, {f}) -> {f}",
            f"  %s = lamina.shape %a2 : {f} -> tensor<1xi32>",
            f"  %n = lamina.reshape %s : tensor<1xi32> -> {i32}",
            f"  lamina.yield %d, %n : {f}, {i32}",
            "}"], [("%r#0", f), ("%r#1", i32)])
    # a loop whose carried tensor grows, with a cond inside; zero or more iterations
    g.func("loop", [i32, f],
           ["%z = lamina.constant dense<0> : tensor<i32>",
            "%one = lamina.constant dense<1> : tensor<i32>",
            "%two = lamina.constant dense<2> : tensor<i32>",
            f"%r:2 = lamina.while (%i = %z, %acc = %a1) : ({i32}, {f}) -> ({i32}, {f}) {{",
            f"  %c = lamina.less %i, %a0 : ({i32}, {i32}) -> {b}",
            f"  lamina.yield %c : {b}",
            "} do {",
            f"^bb0(%i2: {i32}, %acc2: {f}):",
            f"  %i3 = lamina.add %i2, %one : ({i32}, {i32}) -> {i32}",
            f"  %m = lamina.floormod %i2, %two : ({i32}, {i32}) -> {i32}",
            f"  %even = lamina.equal %m, %z : ({i32}, {i32}) -> {b}",
            f"  %next = lamina.cond %even -> ({f}) {{",
            f"    %cat = lamina.concat %acc2, %acc2 axis = 0 : ({f}, {f}) -> {f}",
            f"    lamina.yield %cat : {f}",
            "  } else {",
            f"    %sq = lamina.multiply %acc2, %acc2 : ({f}, {f}) -> {f}",
            f"    lamina.yield %sq : {f}",
            "  }",
            f"  lamina.yield %i3, %next : {i32}, {f}",
            "}"], [("%r#0", i32), ("%r#1", f)])

    u = tt((None, 2), "ui8")
    g.func("loop_ui8", [u, i32],
           ["%z = lamina.constant dense<0> : tensor<i32>",
            "%one = lamina.constant dense<1> : tensor<i32>",
            f"%r:2 = lamina.while (%i = %z, %x = %a0) : ({i32}, {u}) -> ({i32}, {u}) {{",
            f"  %c = lamina.less %i, %a1 : ({i32}, {i32}) -> {b}",
            f"  lamina.yield %c : {b}",
            "} do {",
            f"^bb0(%i2: {i32}, %x2: {u}):",
            f"  %i3 = lamina.add %i2, %one : ({i32}, {i32}) -> {i32}",
            f"  %y = func.call @twice(%x2) : ({u}) -> {u}",
            f"  %m = lamina.reduce_max %y axes = [0, 1] : {u} -> {tt((), 'ui8')}",
            f"  %big = lamina.greater %m, %x2 : ({tt((), 'ui8')}, {u}) -> {tt((None, 2), 'i1')}",
            f"  %next = lamina.where %big, %y, %x2 : ({tt((None, 2), 'i1')}, {u}, {u}) -> {u}",
            f"  lamina.yield %i3, %next : {i32}, {u}",
            "}"], [("%r#1", u)])
    g.functions.append(f"func.func private @twice(%x: {u}) -> {u} {{\n"
                       f"  %y = lamina.add %x, %x : ({u}, {u}) -> {u}\n  return %y : {u}\n}}")

    @g.case
    def control_ui8(entries):
        rng = np.random.default_rng(23)
        for n, count in ((3, 3), (0, 2), (1, 0)):
            g.compare(entries, "loop_ui8", rnd(rng, (n, 2), "ui8"), np.asarray(count, np.int32),
                      what=f"ui8 loop {n} {count}")

    @g.case
    def control(entries):
        rng = np.random.default_rng(19)
        x = rnd(rng, (3,), "f32")
        for p, n in ((True, 4), (False, 4), (False, 0), (True, 0)):
            y = rnd(rng, (n,), "f32")
            g.compare(entries, "cond", np.asarray(p), x, strided(y) if n else y, et="f32",
                      what=f"{p} {n}")
        for count in (0, 1, 2, 5):
            for n in (0, 1, 3):
                g.compare(entries, "loop", np.asarray(count, np.int32),
                          (rnd(rng, (n,), "f32") / 4).astype(np.float32), et="f32",
                          what=f"{count} iterations of {n}")

    # lamina.set_row, the write of the stacks lamina.while's derivative keeps: dynamic and
    # static rows, negative indices, a 1-d tensor (rows are scalars), errors
    for et in ("f64", "i32"):
        td, row, s = tt((None, 2, None), et), tt((2, None), et), tt((4,), et)
        g.func(f"set_row_{et}", [td, tt((), "i64"), row, s, tt((), et)],
               [f"%r = lamina.set_row %a0[%a1], %a2 : ({td}, {tt((), 'i64')}, {row}) -> {td}",
                f"%s = lamina.set_row %a3[%a1], %a4 : ({s}, {tt((), 'i64')}, {tt((), et)}) -> "
                f"{s}"], [("%r", td), ("%s", s)])

        @g.case
        def set_row(entries, et=et):
            rng = np.random.default_rng(20)
            name = f"set_row_{et}"
            x, v, s = rnd(rng, (4, 2, 3), et), rnd(rng, (2, 3), et), rnd(rng, (4,), et)
            for i in (0, 3, -1, -4):
                g.compare(entries, name, x, np.asarray(i, np.int64), v, s, s[0], et=et,
                          what=f"row {i}")
            g.compare(entries, name, strided(x), np.asarray(1, np.int64), transposed(v), s, s[1],
                      et=et, what="strided")
            for i in (4, -5):  # out of range, the function stays usable
                g.compare(entries, name, x, np.asarray(i, np.int64), v, s, s[0], what=f"{i}")
            g.compare(entries, name, x, np.asarray(2, np.int64), v[:, :2], s, s[0],
                      what="a value of another shape")
            g.compare(entries, name, x[:, :, :0], np.asarray(2, np.int64), v[:, :0], s, s[0],
                      et=et, what="empty rows")


_add_control()


# -- variables: updated in place ----------------------------------------------------------------

def _add_state():
    g = group("state")
    for et, shape in (("f32", (3, 5)), ("ui8", (4,)), ("i64", (None, 2)), ("i1", ())):
        t = tt(shape, et)
        v = f"!lamina.variable<{t}>"
        op = "lamina.logical_or" if et == "i1" else "lamina.add"
        g.func(f"var_{et}", [v, t],
               [f"%old = lamina.read_variable %a0 : {v}",
                f"%new = {op} %old, %a1 : ({t}, {t}) -> {t}",
                f"lamina.assign_variable %a0, %new : {v}",
                f"%now = lamina.read_variable %a0 : {v}",
                f"%twice = {op} %now, %a1 : ({t}, {t}) -> {t}",
                f"lamina.assign_variable %a0, %twice : {v}"],
               [("%old", t), ("%now", t)])

        @g.case
        def variable(entries, et=et, shape=shape):
            rng = np.random.default_rng(20)
            dims = tuple(3 if d is None else d for d in shape)
            for layout in (None, "transposed", "strided"):
                var = _layout(rnd(rng, dims, et), layout)
                x = rnd(rng, dims, et)
                want_var = np.array(var)
                want = Interpreter().call(g.function(f"var_{et}"), [want_var, x])
                old, now = entries[f"var_{et}"](var, x)
                check(var, want_var, et, what=f"variable {et} {layout} after the call")
                check(old, want[0], et, what=f"variable {et} read before")
                check(now, want[1], et, what=f"variable {et} read between")
                var[...] = 0  # the results do not alias the variable
                check(old, want[0], et, what=f"variable {et} read, after the variable changed")
            readonly = rnd(rng, dims, et)
            readonly.flags.writeable = False
            raises(entries[f"var_{et}"], readonly, x, match="read-only")
            raises(entries[f"var_{et}"], [1], x, match="variable")

    # a counter variable assigned in a loop
    t, v = tt((), "i32"), "!lamina.variable<tensor<i32>>"
    g.func("count", [v, t],
           ["%z = lamina.constant dense<0> : tensor<i32>",
            "%one = lamina.constant dense<1> : tensor<i32>",
            f"%r = lamina.while (%i = %z) : ({t}) -> ({t}) {{",
            f"  %c = lamina.less %i, %a1 : ({t}, {t}) -> tensor<i1>",
            "  lamina.yield %c : tensor<i1>",
            "} do {",
            f"^bb0(%i2: {t}):",
            f"  %x = lamina.read_variable %a0 : {v}",
            f"  %y = lamina.add %x, %i2 : ({t}, {t}) -> {t}",
            f"  lamina.assign_variable %a0, %y : {v}",
            f"  %i3 = lamina.add %i2, %one : ({t}, {t}) -> {t}",
            f"  lamina.yield %i3 : {t}",
            "}"], [("%r", t)])

    @g.case
    def counter(entries):
        var = np.asarray(5, np.int32)
        for n, total in ((4, 11), (0, 11), (3, 14)):
            (r,) = entries["count"](var, np.asarray(n, np.int32))
            assert int(r) == n and int(var) == total, (r, var)


_add_state()


# -- print: tf.print's text on stderr -----------------------------------------------------------

@contextlib.contextmanager
def captured_stderr():
    """What native code writes to file descriptor 2 inside the block: `out[0]`."""
    out = [""]
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            yield out
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            out[0] = tmp.read().decode("utf-8", "replace")


def _add_print():
    g = group("print")
    types = [("f32", (2, 3)), ("f64", (None,)), ("f16", (2, 2, 2)), ("ui8", ()), ("i1", (3, 1)),
             ("i64", (None, 7)), ("i8", (1, 1, 1, 9)), ("i32", (0, 2))]
    for summarize in (None, -1, 0, 1, 2):
        args = [tt(shape, et) for et, shape in types]
        attr = "" if summarize is None else f" {{summarize = {summarize} : i64}}"
        template = "".join(f"{et}: {{}}\\0A" for et, _ in types).replace("f32:", "tab\\09 é f32:")
        template = "start " + template
        lines = [f'lamina.print "{template}" ' + ", ".join(f"%a{i}" for i in range(len(types)))
                 + " : " + ", ".join(args) + attr,
                 'lamina.print "done\\0A"']
        g.func(f"print{summarize}", args, lines, [])

    @g.case
    def print_(entries):
        rng = np.random.default_rng(21)
        for summarize in (None, -1, 0, 1, 2):
            name = f"print{summarize}"
            for n in (4, 1, 0):
                xs = []
                for et, shape in types:
                    dims = tuple(n if d is None else d for d in shape)
                    xs.append(rnd(rng, dims, et) if et not in FLOATS else
                              (rnd(rng, dims, et) / 7).astype(NP[et]))
                xs[1][:3] = [np.nan, -np.inf, 1e300][:len(xs[1][:3])]
                xs[0][0, :] = [-np.nan, 0.1, 16777217.0]
                xs[5][:, :2] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max]
                xs[3] = np.asarray(255, np.uint8)
                oracle = Interpreter()
                oracle.call(g.function(name), [np.array(x) for x in xs])
                args = [transposed(x) if i == 5 else x for i, x in enumerate(xs)]
                with captured_stderr() as out:
                    entries[name](*args)
                assert out[0] == "".join(oracle.printed), \
                    f"{name} {n}:\n{out[0]!r}\n!=\n{''.join(oracle.printed)!r}"


_add_print()


# -- the boundary: arguments are checked before native code runs ---------------------------------

def _add_arguments():
    g = group("arguments")
    t = tt((None, 3), "ui8")
    g.func("args", [t, tt((2,), "f32"), tt((), "i1"), "index"],
           [f"%r = lamina.add %a0, %a0 : ({t}, {t}) -> {t}"], [("%r", t), ("%a1", tt((2,), "f32"))])

    t = tt((None,), "i32")
    g.func("aliases", [t], [f"%r = lamina.add %a0, %a0 : ({t}, {t}) -> {t}",
                            "%c = lamina.constant dense<[7, 8]> : tensor<2xi32>"],
           [("%r", t), ("%r", t), ("%a0", t), ("%a0", t), ("%c", tt((2,), "i32")),
            ("%c", tt((2,), "i32"))])
    g.func("nothing", [], [], [])

    @g.case
    def results(entries):
        """Results that are one value, an argument or a constant are separate arrays."""
        x = np.arange(5, dtype=np.int32)
        for _ in range(3):
            got = entries["aliases"](x)
            want = [x + x, x + x, x, x, np.array([7, 8], np.int32), np.array([7, 8], np.int32)]
            for r, w in zip(got, want):
                check(r, w, what="aliased results")
            for i, r in enumerate(got):
                r[...] = -i  # writing one result changes no other, nor the argument
            assert [int(r[0]) for r in got] == [0, -1, -2, -3, -4, -5] and x[1] == 1
            del got
        again = entries["aliases"](x)
        check(again[4], np.array([7, 8], np.int32), what="the constant after a write")
        assert entries["nothing"]() == ()

    @g.case
    def arguments(entries):
        f = entries["args"]
        x = np.array([[1, 200, 255]], np.uint8)
        v = np.array([1.5, 2.5], np.float32)
        r, same = f(x, v, np.asarray(True), 3)
        check(r, x + x, what="ui8 result")  # unsigned results come back unsigned
        assert same.dtype == np.float32 and not np.shares_memory(same, v)
        check(f([[1, 2, 3]], [1.0, 2.0], True, 0)[0], np.array([[2, 4, 6]], np.uint8),
              what="converted arguments")
        bad = [((x.astype(np.int8), v, True, 0), "argument #0 has dtype int8, expected uint8"),
               ((x, v.astype(np.float64), True, 0), "argument #1 has dtype float64"),
               ((x[0], v, True, 0), "argument #0 has shape (3,), expected (?, 3)"),
               ((x[:, :2], v, True, 0), "argument #0 has shape (1, 2), expected (?, 3)"),
               ((x, v[:1], True, 0), "argument #1 has shape (1,), expected (2,)"),
               ((x, v, np.array([True]), 0), "argument #2 has shape (1,), expected ()"),
               ((x, v, True), "takes 4 arguments, got 3"),
               ((x, v, True, 0, 0), "takes 4 arguments, got 5")]
        for args, message in bad:
            raises(f, *args, match=message)


_add_arguments()


# -- shapes that do not match at run time: an error, never a read out of bounds ------------------

def _add_mismatches():
    """Each function meets arguments whose dynamic dimensions do not fit, one of them large:
    code that went on after the failed check would read megabytes past a small buffer."""
    g = group("mismatch")
    f2, f1 = tt((None, None), "f32"), tt((None,), "f32")
    g.func("add", [f2, f2], [f"%r = lamina.add %a0, %a1 : ({f2}, {f2}) -> {f2}"], [("%r", f2)])
    g.func("where", [tt((None,), "i1"), f1, f1],
           [f"%r = lamina.where %a0, %a1, %a2 : ({tt((None,), 'i1')}, {f1}, {f1}) -> {f1}"],
           [("%r", f1)])
    g.func("matmul", [f2, f2], [f"%r = lamina.matmul %a0, %a1 : ({f2}, {f2}) -> {f2}"],
           [("%r", f2)])
    g.func("concat", [f2, f2], [f"%r = lamina.concat %a0, %a1 axis = 1 : ({f2}, {f2}) -> {f2}"],
           [("%r", f2)])
    g.func("stack", [f1, f1], [f"%r = lamina.stack %a0, %a1 axis = 0 : ({f1}, {f1}) -> "
                               f"{tt((2, None), 'f32')}"], [("%r", tt((2, None), "f32"))])
    g.func("reshape", [f1], [f"%r = lamina.reshape %a0 : {f1} -> {tt((1000, 1000), 'f32')}"],
           [("%r", tt((1000, 1000), "f32"))])
    g.func("bcast", [f1, tt((1,), "i64")],
           [f"%r = lamina.broadcast_to %a0, %a1 : ({f1}, {tt((1,), 'i64')}) -> {f1}"],
           [("%r", f1)])
    g.func("static", [f1], [f"%r = lamina.add %a0, %a0 : ({f1}, {f1}) -> {f1}",
                            f"%s = lamina.add %r, %c : ({f1}, {tt((3,), 'f32')}) -> "
                            f"{tt((3,), 'f32')}"], [("%s", tt((3,), "f32"))])
    g.functions[-1] = g.functions[-1].replace(
        "  %r = ", "  %c = lamina.constant dense<1.0> : tensor<3xf32>\n  %r = ")
    x4, w4 = tt((None, None, None, None), "f32"), tt((3, 3, None, None), "f32")
    g.func("conv", [x4, w4], [f"%r = lamina.conv2d %a0, %a1 strides = [1, 1] padding = SAME : "
                              f"({x4}, {w4}) -> {x4}"], [("%r", x4)])

    @g.case
    def mismatches(entries):
        big = np.ones(4_000_000, np.float32)
        tiny = np.ones(1, np.float32)
        two = np.ones(2, np.float32)  # a `?` of size 1 would broadcast
        cases = [("add", (big.reshape(1, -1), two.reshape(1, 2)), "Incompatible shapes"),
                 ("add", (two.reshape(2, 1), big.reshape(-1, 1)), "Incompatible shapes"),
                 ("where", (np.ones(4_000_000, bool), two, two), "Incompatible shapes"),
                 ("matmul", (big.reshape(1, -1), tiny.reshape(1, 1)),
                  "Matrix size-incompatible"),
                 ("concat", (big.reshape(-1, 1), tiny.reshape(1, 1)), ""),
                 ("stack", (big, tiny), ""),
                 ("reshape", (tiny,), "reshape"),
                 ("bcast", (tiny[:0], np.array([4_000_000], np.int64)), "Unable to broadcast"),
                 ("static", (two,), "Incompatible shapes"),
                 ("conv", (big.reshape(1, 1, -1, 4), np.ones((3, 3, 1, 2), np.float32)),
                  "input and filter must have the same depth")]
        for name, args, message in cases:
            raises(entries[name], *args, match=message)
        check(entries["add"](tiny.reshape(1, 1), tiny.reshape(1, 1))[0], 2 * tiny.reshape(1, 1),
              what="after the errors")


_add_mismatches()


# -- the tests ---------------------------------------------------------------------------------

def test_every_op_is_covered():
    """A new lamina op without a compiled test fails here."""
    covered = set()
    for g in GROUPS.values():
        covered |= g.ops()
    missing = sorted(set(REF) - covered)
    assert not missing, f"lamina ops without a compiled-vs-numpy case: {missing}"


@pytest.mark.parametrize("name", list(GROUPS))
def test_compiled_matches_numpy(name):
    g = GROUPS[name]
    entries = g.executable.entries
    failures = []
    for case in g.cases:
        try:
            case(entries)
        except AssertionError as e:
            failures.append(f"{case.__name__}: {e}")
    assert not failures, f"{len(failures)} of {len(g.cases)} cases failed:\n" + \
        "\n".join(failures)
