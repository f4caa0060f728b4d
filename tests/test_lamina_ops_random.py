"""The lamina dialect's random ops: the Philox-4x32-10 generator against Random123's known-answer
vectors, the NumPy reference draws, the ops' write effect (never folded, merged or dropped), and
their lowering (the module's generator state, the counter's advance). (The compiled draws are
checked bit for bit against the reference in test_lamina_ops_compiled.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
import lamina.lowering  # noqa: F401  (registers convert-lamina-to-structured)
from lamina import ir
from lamina.dialects.lamina_ops import random as R
from lamina.ir import IRError
from lamina.passes import run_pipeline


@pytest.mark.parametrize("key,counter,want", [
    # Random123's kat_vectors for philox4x32 with 10 rounds
    ((0, 0), (0, 0, 0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
    ((0xffffffff, 0xffffffff), (0xffffffff,) * 4,
     (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
    ((0xa4093822, 0x299f31d0), (0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344),
     (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)),
])
def test_philox_known_answers(key, counter, want):
    got = R.philox4x32(key, [np.array([c], np.uint64) for c in counter])
    assert [int(w[0]) for w in got] == list(want)


def test_philox_words_of_a_draw():
    # element e of a draw at (seed, counter) is the block of counter words (counter, e)
    seed, counter = 0x0123456789ABCDEF, (7 << 32) | 5
    words = R.philox_words(seed, counter, 3)
    for e in range(3):
        block = R.philox4x32((0x89ABCDEF, 0x01234567),
                             [np.array([v], np.uint64) for v in (5, 7, e, 0)])
        assert [int(w[e]) for w in words] == [int(b[0]) for b in block]


def test_uniform_draws_are_exact_multiples():
    u = R.uniform_reference((1000,), np.float32, seed=3, counter=0)
    assert u.dtype == np.float32 and u.min() >= 0 and u.max() < 1
    m = u * np.float32(2 ** 23)
    np.testing.assert_array_equal(m, np.floor(m))
    d = R.uniform_reference((1000,), np.float64, seed=3, counter=0)
    assert d.dtype == np.float64 and 0 <= d.min() and d.max() < 1
    # 52 bits: not just the f32 draws widened
    assert not np.array_equal(d.astype(np.float32).astype(np.float64), d)
    h = R.uniform_reference((100,), np.float16, seed=3, counter=0)
    assert h.dtype == np.float16
    np.testing.assert_array_equal(h * np.float16(1024), np.floor(h * np.float16(1024)))


def test_draws_depend_on_seed_and_counter():
    a = R.uniform_reference((4,), np.float32, seed=1, counter=0)
    # a draw of 4 elements advances the counter by 4: the next draw is disjoint
    b = R.uniform_reference((4,), np.float32, seed=1, counter=4)
    c = R.uniform_reference((4,), np.float32, seed=2, counter=0)
    assert len({a.tobytes(), b.tobytes(), c.tobytes()}) == 3
    np.testing.assert_array_equal(a, R.uniform_reference((2, 2), np.float32, seed=1,
                                                         counter=0).reshape(4))


def test_distributions():
    u = R.uniform_reference((20000,), np.float64, seed=5, counter=0, minval=-2.0, maxval=6.0)
    assert -2 <= u.min() and u.max() < 6 and abs(u.mean() - 2) < 0.1
    z = R.normal_reference((20000,), np.float32, seed=5, counter=0, mean=1.0, stddev=3.0)
    assert z.dtype == np.float32 and np.isfinite(z).all()
    assert abs(z.mean() - 1) < 0.1 and abs(z.std() - 3) < 0.1
    z = R.normal_reference((20000,), np.float64, seed=6, counter=0)
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05


TWO_DRAWS = ("func.func @f() -> (tensor<3xf32>, tensor<3xf32>) {\n"
             "  %0 = lamina.random_uniform : tensor<3xf32>\n"
             "  %1 = lamina.random_uniform : tensor<3xf32>\n"
             "  return %0, %1 : tensor<3xf32>, tensor<3xf32>\n}")


def test_random_ops_are_never_merged_or_dropped():
    m = ir.parse(TWO_DRAWS.replace("  return %0, %1", "  %2 = lamina.random_normal : "
                                   "tensor<3xf32>\n  return %0, %1"))
    run_pipeline(m, "builtin.module(canonicalize,cse,dce)")
    text = str(m)
    assert text.count("lamina.random_uniform") == 2 and "lamina.random_normal" in text


def test_verifier_errors():
    def err(body, ret):
        with pytest.raises(IRError) as e:
            ir.verify(ir.parse(f"func.func @f(%s: tensor<3xi32>) -> {ret} {{\n  %0 = {body}\n"
                               f"  return %0 : {ret}\n}}"))
        return e.value.message
    assert err("lamina.random_normal : tensor<?x3xf32>", "tensor<?x3xf32>") == \
        "'lamina.random_normal' op result type tensor<?x3xf32> has dynamic dimensions but no " \
        "shape operand gives them"
    assert err("lamina.random_uniform %s : tensor<3xi32> -> tensor<?x3xf32>",
               "tensor<?x3xf32>") == \
        "'lamina.random_uniform' op shape operand has 3 elements for a result of rank 2"
    assert "must be tensor of f16, bf16, f32 or f64" in err(
        "lamina.random_uniform : tensor<3xi32>", "tensor<3xi32>")


def lower(text):
    m = ir.parse(text)
    run_pipeline(m, "builtin.module(convert-lamina-to-structured)")
    ir.verify(m)
    printed = str(m)
    assert str(ir.parse(printed)) == printed
    return printed


def test_lowering_uses_and_advances_the_module_state():
    out = lower(TWO_DRAWS)
    assert out.count('memref.global "private" @__lamina_rng : memref<2xi64> = dense<0>') == 1
    assert out.count("memref.get_global @__lamina_rng : memref<2xi64>") == 2
    # each draw stores counter + 3 back
    assert out.count("arith.constant 3 : i64") == 2 and out.count("memref.store") == 2
    # ten rounds of two 32x32->64-bit products per element
    assert out.count("arith.constant 3528531795 : i64") == 2
    assert out.count("arith.muli") >= 2 * 20


def test_dynamic_shape_and_wide_types_lower():
    out = lower(R.RandomUniformOp.opdef.examples[0])
    assert "tensor.extract %arg0[" in out and "tensor<?x?xf64>" in out
    assert "arith.shli" in out  # 52 bits from two words
    for t in ("f16", "bf16", "f64"):
        out = lower(f"func.func @f() -> tensor<4x{t}> {{\n  %0 = lamina.random_normal "
                    f"{{stddev = 2.0}} : tensor<4x{t}>\n  return %0 : tensor<4x{t}>\n}}")
        assert "math.log" in out and "math.cos" in out and "math.sqrt" in out
        assert ("arith.truncf" in out) == (t != "f64")


def test_reference_attrs():
    m = ir.parse(R.RandomUniformOp.opdef.examples[0])
    ops = list(m.regions[0].blocks[0].first.regions[0].blocks[0])
    static, dynamic = ops[0], ops[1]
    assert static.reference_attrs() == {"minval": 0.0, "maxval": 1.0, "dtype": np.float32,
                                        "shape": (3, 5)}
    attrs = dynamic.reference_attrs()
    assert attrs == {"minval": -10.0, "maxval": 10.0, "dtype": np.float64}
    got = R.RandomUniformOp.reference(np.array([2, 3], np.int32), seed=1, counter=2, **attrs)
    assert got.shape == (2, 3) and got.dtype == np.float64 and -10 <= got.min() < got.max() < 10
