"""Stateful random ops of the `lamina` dialect: random_uniform and random_normal (what
tf.random.uniform and tf.random.normal stage).

Draws come from the counter-based generator Philox-4x32-10 (Salmon et al., "Parallel random
numbers: as easy as 1, 2, 3", the generator TensorFlow uses): element e of a draw made when the
state is (seed, counter) is a function of the Philox block with key = the seed's two 32-bit
halves and counter words = (counter low, counter high, e low, e high); a draw advances the
counter by its number of elements. The state lives in the module's `@__lamina_rng` global
(memref<2xi64>: seed, counter), which the runtime seeds. The ops write that state, so they are
never folded, CSE'd or hoisted, and every call draws fresh values.

The numpy `reference` functions compute the same values: uniform draws bit for bit, normal
ones up to the last bits of log/sqrt/cos.
"""

from __future__ import annotations

import math

import numpy as np

from ...ir import types as T
from ...ir.attributes import FloatAttr
from ...ir.constraints import AttrConstraint, TypeConstraint
from ...ir.opdef import Write, opt_operand, prop, result
from .base import TensorOp
from .elementwise import no_gradient
from .shape import IntVector

PHILOX_M = (0xD2511F53, 0xCD9E8D57)
PHILOX_W = (0x9E3779B9, 0xBB67AE85)
PHILOX_ROUNDS = 10
# mantissa bits of each float type: a uniform draw is a multiple of 2^-bits in [0, 1)
MANTISSA_BITS = {"f16": 10, "bf16": 7, "f32": 23, "f64": 52}


class F64(AttrConstraint):
    """A float parameter, stored as an f64 FloatAttr."""

    desc = "64-bit float attribute"

    def __init__(self, default):
        self.default = FloatAttr(default, T.f64)

    def check(self, a):
        return a.__class__ is FloatAttr and a.type == T.f64


FloatTensor = TypeConstraint(
    lambda t: t.__class__ is T.RankedTensorType and t.element_type.__class__ is T.FloatType and
    t.element_type.name in MANTISSA_BITS, "tensor of f16, bf16, f32 or f64")


# -- the generator, in numpy -----------------------------------------------------------------

def philox4x32(key, counter, rounds=PHILOX_ROUNDS):
    """Philox-4x32 of `counter` (four uint32 arrays) under `key` (two uint32): four uint32
    arrays."""
    mask = np.uint64(0xFFFFFFFF)
    k0, k1 = (np.uint64(k) & mask for k in key)
    c0, c1, c2, c3 = (np.asarray(c, np.uint64) & mask for c in counter)
    m0, m1 = np.uint64(PHILOX_M[0]), np.uint64(PHILOX_M[1])
    w0, w1 = np.uint64(PHILOX_W[0]), np.uint64(PHILOX_W[1])
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + w0) & mask, (k1 + w1) & mask
        p0, p1 = m0 * c0, m1 * c2
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & mask, \
            (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & mask
    return [c.astype(np.uint32) for c in (c0, c1, c2, c3)]


def philox_words(seed, counter, n):
    """The four words of the Philox blocks of elements 0..n-1 of a draw at (seed, counter)."""
    e = np.arange(n, dtype=np.uint64)
    seed, counter = int(seed) & (2 ** 64 - 1), int(counter) & (2 ** 64 - 1)
    return philox4x32((seed & 0xFFFFFFFF, seed >> 32),
                      (np.full(n, counter & 0xFFFFFFFF, np.uint64),
                       np.full(n, counter >> 32, np.uint64), e & np.uint64(0xFFFFFFFF),
                       e >> np.uint64(32)))


def _np_dtype(name):
    return {"f16": np.float16, "f64": np.float64}.get(name, np.float32)


def unit_uniform(words, name):
    """Uniform floats in [0, 1) from the top mantissa bits of the words (an f64 takes two)."""
    bits = MANTISSA_BITS[name]
    dt = _np_dtype(name)
    if bits > 32:
        m = (words[0].astype(np.uint64) << np.uint64(bits - 32)) | (
            words[1].astype(np.uint64) >> np.uint64(64 - bits))
    else:
        m = words[0] >> np.uint32(32 - bits)
    return m.astype(dt) * dt(2.0 ** -bits)


def _shape_and_type(shape, dtype):
    name = {"float16": "f16", "float32": "f32", "float64": "f64"}.get(np.dtype(dtype).name)
    if name is None:
        raise ValueError(f"random draws need a float dtype, not {dtype}")
    return tuple(int(d) for d in shape), name


def uniform_reference(shape, dtype, seed, counter, minval=0.0, maxval=1.0):
    shape, name = _shape_and_type(shape, dtype)
    dt = _np_dtype(name)
    u = unit_uniform(philox_words(seed, counter, math.prod(shape)), name)
    return (u * (dt(maxval) - dt(minval)) + dt(minval)).reshape(shape)


def normal_reference(shape, dtype, seed, counter, mean=0.0, stddev=1.0):
    shape, name = _shape_and_type(shape, dtype)
    dt = _np_dtype(name)
    wide = "f64" if name == "f64" else "f32"
    wt = _np_dtype(wide)
    words = philox_words(seed, counter, math.prod(shape))
    half = 2 if wide == "f64" else 1
    u1 = unit_uniform(words[:half], wide)
    u2 = unit_uniform(words[half:2 * half], wide)
    with np.errstate(divide="ignore"):
        z = np.sqrt(wt(-2.0) * np.log(wt(1.0) - u1)) * np.cos(wt(2 * math.pi) * u2)
    return (z.astype(dt) * dt(stddev) + dt(mean)).reshape(shape)


# -- the ops -------------------------------------------------------------------------------------

class _RandomOp(TensorOp):
    """A tensor of fresh draws of the result type's shape; its `?` dimensions come from the 1-D
    integer `shape` operand."""

    shape = opt_operand(IntVector)
    output = result(FloatTensor)
    traits = ()
    effects = (Write(),)  # the generator's state
    assembly_format = "($shape^)? attr-dict `:` (type($shape)^ `->`)? type($output)"
    distribution = None
    params = ()
    vjp = no_gradient  # a draw does not depend on its shape

    @classmethod
    def build(cls, result_type, shape=None, loc=None, **params):
        """`shape`: the 1-D integer tensor giving the `?` sizes of `result_type`; `params`: the
        distribution's (as Python floats)."""
        return cls(shape, result_types=[result_type], loc=loc,
                   **{k: FloatAttr(v, T.f64) for k, v in params.items()})

    def verify_(self):
        t = self.output.type
        if self.shape is None:
            if not t.has_static_shape:
                raise self.error(f"result type {t} has dynamic dimensions but no shape operand "
                                 f"gives them")
        elif self.shape.type.shape[0] not in (t.rank, T.DYNAMIC):
            raise self.error(f"shape operand has {self.shape.type.shape[0]} elements for a "
                             f"result of rank {t.rank}")

    def infer_result_types(self, operands, properties):
        raise TypeError(f"{self.opdef.name}: pass result_types=")

    def param_values(self):
        return [getattr(self, p).value for p in self.params]

    def reference_attrs(self):
        """The eager kernel's arguments besides the shape operand and the generator state
        (seed=, counter=, which the runtime holds)."""
        from .elementwise import np_dtype
        attrs = {p: getattr(self, p).value for p in self.params}
        attrs["dtype"] = np_dtype(self.output.type.element_type) or np.float32
        if self.shape is None:
            attrs["shape"] = self.output.type.shape
        return attrs

    def lower(self, b):
        from ...lowering import structured_builders_nn as sb
        t = sb.signless(self.output.type)
        sizes = [sb.extract_index(b, b.remap(self.shape), [k]) if d == T.DYNAMIC else d
                 for k, d in enumerate(t.shape)]
        return [sb.random(b, self, sizes, t.element_type, self.distribution,
                          *self.param_values())]


class RandomUniformOp(_RandomOp):
    """Uniform draws in [minval, maxval): u * (maxval - minval) + minval, u a multiple of
    2^-(mantissa bits) in [0, 1)."""

    name = "lamina.random_uniform"
    minval = prop(F64(0.0))
    maxval = prop(F64(1.0))
    distribution = "uniform"
    params = ("minval", "maxval")
    examples = (
        "func.func @f(%arg0: tensor<2xi32>) -> (tensor<3x5xf32>, tensor<?x?xf64>) {\n"
        "  %0 = lamina.random_uniform : tensor<3x5xf32>\n"
        "  %1 = lamina.random_uniform %arg0 {maxval = 1.000000e+01 : f64, minval = "
        "-1.000000e+01 : f64} : tensor<2xi32> -> tensor<?x?xf64>\n"
        "  return %0, %1 : tensor<3x5xf32>, tensor<?x?xf64>\n}",)

    reference = staticmethod(uniform_reference)


class RandomNormalOp(_RandomOp):
    """Normal draws of the given mean and standard deviation (Box-Muller on two uniform
    draws, computed in f32 for 16-bit floats)."""

    name = "lamina.random_normal"
    mean = prop(F64(0.0))
    stddev = prop(F64(1.0))
    distribution = "normal"
    params = ("mean", "stddev")
    examples = (
        "func.func @f() -> tensor<3x5xf32> {\n"
        "  %0 = lamina.random_normal : tensor<3x5xf32>\n"
        "  %1 = lamina.random_normal {mean = 1.000000e+00 : f64, stddev = 2.000000e+00 : f64} : "
        "tensor<3x5xf32>\n"
        "  return %0 : tensor<3x5xf32>\n}",)

    reference = staticmethod(normal_reference)


__all__ = ["RandomUniformOp", "RandomNormalOp", "philox4x32", "philox_words", "unit_uniform",
           "uniform_reference", "normal_reference", "MANTISSA_BITS"]
