"""The GPU's transcendental math (math-expand-approximations) against numpy, with the error
bounds its module states. The formulas are target-independent arith, so they are compiled
and run here through the CPU path: the same ops the GPU kernels get."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from lamina import ir
from lamina.driver import compile_module
from lamina.lowering.gpu_math_approximations import expand

_T = {"float32": "f32", "float64": "f64"}
# the references meet nan, inf and zero inputs on purpose
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@functools.lru_cache(maxsize=None)
def _kernel(fn, dt, nargs):
    t = _T[dt]
    args = ", ".join(f"%a{i}: memref<?x{t}>" for i in range(nargs))
    loads = "\n".join(f"    %v{i} = memref.load %a{i}[%i] : memref<?x{t}>" for i in range(nargs))
    vs = ", ".join(f"%v{i}" for i in range(nargs))
    m = ir.parse(f"""func.func @f({args}, %out: memref<?x{t}>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %out, %c0 : memref<?x{t}>
  scf.for %i = %c0 to %n step %c1 {{
{loads}
    %r = math.{fn} {vs} : {t}
    memref.store %r, %out[%i] : memref<?x{t}>
  }}
  return
}}""")
    expand(m)
    assert "math." + fn not in str(m)
    return compile_module(m).entries["f"]


def _run(fn, *arrays):
    out = np.zeros_like(arrays[0])
    _kernel(fn, arrays[0].dtype.name, len(arrays))(*arrays, out)
    return out


def _inputs(dt, lo=-100.0, hi=100.0):
    rng = np.random.default_rng(7)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 1e-42, 0.5, -0.5, 1.0,
               88.0, -87.0, 700.0, -740.0]
    return np.concatenate([rng.uniform(lo, hi, 3000), rng.uniform(-3, 3, 3000),
                           special]).astype(dt)


def _ulps(got, want, dt):
    """Max error in units in the last place of `dt` where `want` is a finite normal number;
    and whether the other cases (nan, inf, zero, subnormal results) agree."""
    want = np.asarray(want, np.float64)
    got64 = got.astype(np.float64)
    info = np.finfo(dt)
    with np.errstate(over="ignore"):
        rounded = want.astype(dt).astype(np.float64)
    normal = np.isfinite(rounded) & (np.abs(want) >= info.tiny)
    err = np.abs(got64 - want)[normal] / np.spacing(np.abs(want[normal]).astype(dt)).astype(
        np.float64)
    nan_ok = np.array_equal(np.isnan(got), np.isnan(want))
    inf = np.isinf(rounded)
    inf_ok = np.array_equal(got64[inf], rounded[inf])
    return (err.max() if err.size else 0.0), nan_ok and inf_ok


def _ref(f, *xs):
    with np.errstate(all="ignore"):
        return f(*[x.astype(np.float64) for x in xs])


CASES = [  # (math op, numpy function, input range or None for the default, ulp bound)
    ("exp", np.exp, None, 2), ("expm1", np.expm1, None, 2), ("exp2", np.exp2, (-200, 200), 2),
    ("log", np.log, None, 3), ("log1p", np.log1p, None, 3), ("log2", np.log2, (0, 1e6), 4),
    ("log10", np.log10, (0, 1e6), 4), ("tanh", np.tanh, None, 4),
]


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("fn,ref,rng,bound", CASES, ids=[c[0] for c in CASES])
def test_unary_within_bound(fn, ref, rng, bound, dt):
    x = _inputs(dt, *(rng or (-100.0, 100.0)))
    with np.errstate(all="ignore"):
        got = _run(fn, x)
    err, special_ok = _ulps(got, _ref(ref, x) if dt == "float32" else ref(x), dt)
    assert err <= bound, f"{fn} {dt}: {err:.2f} ulp > {bound}"
    assert special_ok, f"{fn} {dt}: nan/inf cases differ from numpy"


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("fn", ["sin", "cos"])
def test_sin_cos_absolute_error(fn, dt):
    x = np.clip(_inputs(dt, -1e4, 1e4), -1e4, 1e4)
    finite = np.isfinite(x)
    got = _run(fn, x)
    want = getattr(np, fn)(x.astype(np.float64))
    assert np.max(np.abs(got[finite] - want[finite])) <= 2 * np.finfo(dt).eps
    assert np.isnan(got[~finite]).all()


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_erf_absolute_error(dt):
    x = _inputs(dt, -6, 6)
    got = _run("erf", x)
    want = np.array([math.erf(v) if not np.isnan(v) else np.nan for v in x.astype(float)])
    ok = ~np.isnan(want)
    assert np.max(np.abs(got[ok] - want[ok])) <= 5e-7


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_powf_within_bound(dt):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(0, 100, 2000), rng.uniform(-4, 4, 2000),
                        [0.0, -2.0, -2.0, 1.0, np.nan, 2.0]]).astype(dt)
    y = np.concatenate([rng.uniform(-3, 3, 2000), np.round(rng.uniform(-4, 4, 2000)),
                        [2.0, 3.0, 0.5, np.nan, 0.0, np.inf]]).astype(dt)
    got = _run("powf", x, y)
    with np.errstate(all="ignore"):
        want = np.power(x.astype(np.float64), y.astype(np.float64))
        budget = 8 + 3 * np.abs(y.astype(np.float64) * np.log(np.abs(x.astype(np.float64))))
    normal = (np.abs(want) <= np.finfo(dt).max) & (np.abs(want) >= np.finfo(dt).tiny) & \
        np.isfinite(budget)
    err = np.abs(got.astype(np.float64) - want)[normal] / np.spacing(
        np.abs(want[normal]).astype(dt)).astype(np.float64)
    assert (err <= budget[normal]).all()
    assert np.array_equal(np.isnan(got), np.isnan(want))
