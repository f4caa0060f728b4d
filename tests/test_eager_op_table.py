"""The op layer's contract with executors (the tracer of `function`, tapes): every op of the
public API reaches `executor.run_op(op, inputs, attrs)`, and the table's `build(values, attrs)`
makes from those very arguments the IR op whose `reference_attrs()` are `attrs` and whose
result type is the eager result's. So a tracer built on the table stages exactly what eager
execution computes."""

from __future__ import annotations

import numpy as np
import pytest

import lamina as tf
from lamina.dialects.lamina_ops import linalg as L
from lamina.dialects.lamina_ops.state import VariableType
from lamina.frontend.context import executing_eagerly, executor_scope
from lamina.frontend.execute import OPS, eager_run_op
from lamina.frontend.variables import Variable
from lamina.ir import types as T
from lamina.ir.core import Block


class Recorder:
    """An executor that runs ops eagerly and records them."""

    def __init__(self):
        self.calls = []

    def run_op(self, op, inputs, attrs):
        out = eager_run_op(op, inputs, attrs)
        self.calls.append((op, list(inputs), dict(attrs), out))
        return out


def program():
    """Uses every op of the table."""
    x = tf.constant([[1., -2., 3.], [4., 5., -6.]])
    i = tf.constant([[1, 2, 3], [4, 5, 6]])
    b = tf.constant([True, False, True])
    for f in (tf.add, tf.subtract, tf.multiply, tf.maximum, tf.minimum, tf.math.floordiv,
              tf.math.floormod, tf.pow, tf.equal, tf.not_equal, tf.greater, tf.greater_equal,
              tf.less, tf.less_equal, tf.realdiv):
        f(x, x)
    x + 1.
    i / 2
    tf.logical_and(b, b)
    tf.logical_or(b, b)
    ~b
    for f in (tf.negative, tf.abs, tf.square, tf.nn.relu, tf.sign, tf.exp, tf.math.log,
              tf.math.log1p, tf.math.expm1, tf.sqrt, tf.math.rsqrt, tf.tanh, tf.sigmoid, tf.sin,
              tf.cos, tf.math.erf, tf.floor, tf.math.ceil, tf.round):
        f(x)
    tf.where(b, b, False)
    tf.cast(x, tf.uint8)
    tf.zeros([2, 2], tf.int64)
    tf.range(1., 2., 0.25)
    tf.reshape(x, [3, -1])
    tf.transpose(x)
    tf.concat([x, x], 1)
    tf.stack([x, x], 1)
    x[1:, ::-2]
    x[0, tf.newaxis]
    tf.broadcast_to(b, [2, 3])
    tf.shape(x, tf.int64)
    for f in (tf.reduce_sum, tf.reduce_prod, tf.reduce_max, tf.reduce_min, tf.reduce_mean):
        f(x, [0, -1], keepdims=True)
        f(i, 1)
    tf.reduce_any(b)
    tf.reduce_all(b, 0)
    tf.argmax(x, 1, output_type=tf.int32)
    tf.math.argmin(i)
    tf.matmul(x, x, transpose_b=True)
    x @ tf.ones([3, 2])
    img = tf.ones([1, 5, 5, 2])
    tf.nn.conv2d(img, tf.ones([3, 3, 2, 4]), 2, "VALID", dilations=1)
    tf.nn.conv2d(img, tf.ones([2, 2, 2, 1]), 1, "SAME", dilations=2)
    tf.nn.max_pool(img, 2, 2, "SAME")
    tf.nn.avg_pool2d(img, 3, 1, "VALID")
    # the ops derivative rules emit, which tapes run through the table (nested: the
    # derivatives' own derivatives)
    with tf.GradientTape() as outer:
        outer.watch(img)
        with tf.GradientTape() as inner:
            inner.watch(img)
            y = tf.reduce_sum(tf.nn.conv2d(img, img[0, :2, :2, :, tf.newaxis], 2, "SAME")) + \
                tf.reduce_sum(tf.square(tf.nn.max_pool(img, 2, 2, "SAME"))) + \
                tf.reduce_sum(tf.nn.avg_pool2d(img, 3, 1, "VALID"))
        g = inner.gradient(y, img)
    outer.gradient(g, img)
    tf.stop_gradient(x)
    tf.random.normal([2, 3], 1., 2.)
    tf.random.uniform([4], dtype=tf.float64)
    tf.print(x, "and", i)
    v = tf.Variable([1., 2.])
    v.assign_add([1., 1.])


@pytest.fixture(scope="module")
def calls():
    r = Recorder()
    with executor_scope(r):
        program()
    return r.calls


def tensor_type(x):
    return T.RankedTensorType(x.shape.as_list(), x.dtype.ir_type)


def normalized(v):
    if isinstance(v, dict):
        return {k: normalized(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return tuple(normalized(x) for x in v)
    if isinstance(v, np.dtype) or isinstance(v, type) and issubclass(v, np.generic):
        return np.dtype(v).name
    if hasattr(v, "__slots__") and not isinstance(v, (int, float, str)):
        return (type(v).__name__,) + tuple(normalized(getattr(v, s)) for s in v.__slots__)
    return v


# the dialect's FillOp has no reference_attrs(): its kernel's `shape` comes from nowhere
GAPS = {}


def test_every_op_of_the_table_is_used(calls):
    assert {c[0] for c in calls} == set(OPS)


def test_kernels_run_unwrapped():
    """The eager path calls the numpy function inside each `kernel`-wrapped reference (the
    wrapper's np.errstate costs more than a small op)."""
    from lamina.dialects.lamina_ops import elementwise as E
    assert OPS[E.AddOp].fn is np.add and OPS[E.ExpOp].fn is np.exp
    for op in (L.MatMulOp, E.CastOp):
        assert OPS[op].fn.__code__.co_name == "reference"  # not the wrapper's `run`


@pytest.mark.parametrize("op", [
    pytest.param(o, marks=pytest.mark.xfail(reason=GAPS[o], strict=True)) if o in GAPS else o
    for o in sorted(OPS, key=lambda o: o.opdef.name)], ids=lambda o: o.opdef.name)
def test_build_from_the_run_op_arguments(calls, op):
    for o, inputs, attrs, out in calls:
        if o is not op:
            continue
        types = [VariableType(tensor_type(x)) if isinstance(x, Variable) else tensor_type(x)
                 for x in inputs]
        irop = OPS[op].build(Block(types).args, attrs)
        assert type(irop) is op
        irop.verify_()
        if hasattr(irop, "reference_attrs"):
            assert normalized(irop.reference_attrs()) == normalized(attrs)
        if out is not None:
            # a result the types do not determine (range's size) is `?` when traced
            (r,) = [r.type for r in irop.results]
            want = tensor_type(out)
            assert r.element_type == want.element_type and len(r.shape) == len(want.shape)
            assert all(d in (w, T.DYNAMIC) for d, w in zip(r.shape, want.shape))
            assert T.DYNAMIC not in r.shape or op is L.RangeOp


def test_operators_and_fast_paths_reach_the_executor():
    x, y = tf.constant([1., 2.]), tf.constant([3., 4.])
    r = Recorder()
    with executor_scope(r):
        x + y
        x * 2.
        -x
        tf.exp(x)
        list(tf.ones([2, 2]))
    names = [c[0].opdef.name for c in r.calls]
    assert names[:4] == ["lamina.add", "lamina.multiply", "lamina.negative", "lamina.exp"]
    assert names[-2:] == ["lamina.strided_slice"] * 2
    assert executing_eagerly()


def test_executor_scopes_nest():
    outer, inner = Recorder(), Recorder()
    with executor_scope(outer):
        tf.constant(1.) + 1.
        with executor_scope(inner):
            tf.constant(1.) * 2.
        tf.constant(1.) - 1.
    assert [c[0].opdef.name for c in outer.calls] == ["lamina.add", "lamina.subtract"]
    assert [c[0].opdef.name for c in inner.calls] == ["lamina.multiply"]
