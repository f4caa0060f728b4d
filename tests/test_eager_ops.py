"""Eager ops against numpy: elementwise ops over dtypes, broadcasting, empty and
non-contiguous arrays; reductions, shape ops, matmul, nn ops; TensorFlow's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lamina as tf
from lamina import errors
from lamina.frontend.tensor import wrap

FLOATS = (np.float16, np.float32, np.float64)
SIGNED = (np.int8, np.int16, np.int32, np.int64)
NUMBERS = FLOATS + SIGNED + (np.uint8,)
SHAPE_PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1, 3), (4, 3)), ((0, 3), (3,)),
               ((1,), (0,)), ((2, 3), ())]

rng = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def no_numpy_warnings():
    """Ops never warn (inf and NaN are results, as in TensorFlow)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def sample(shape, dtype, low=-5, high=5):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype.kind == "u":
        low = 0
    a = rng.uniform(low, high, shape)
    return (a if dtype.kind == "f" else np.round(a)).astype(dtype)


def check(got, want, exact=False, tol=None):
    assert isinstance(got, tf.Tensor)
    want = np.asarray(want)
    g = got.numpy() if got.shape.rank else np.asarray(got.numpy())
    assert g.dtype == want.dtype, (g.dtype, want.dtype)
    assert g.shape == want.shape
    if exact or want.dtype.kind in "biu":
        np.testing.assert_array_equal(g, want)
    else:
        tol = tol or (1e-3 if want.dtype == np.float16 else 1e-6)
        np.testing.assert_allclose(g, want, rtol=tol, atol=tol, equal_nan=True)


def noncontiguous(a):
    """A view of `a`'s values that is not C-contiguous (the eager tensors of slices and
    broadcasts may be)."""
    if a.ndim < 1 or a.size < 2:
        return a
    big = np.empty(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    big[..., ::2] = a
    return big[..., ::2]


# -- elementwise -----------------------------------------------------------------------------------

BINARY = {
    tf.add: np.add, tf.subtract: np.subtract, tf.multiply: np.multiply,
    tf.maximum: np.maximum, tf.minimum: np.minimum,
    tf.equal: np.equal, tf.not_equal: np.not_equal, tf.greater: np.greater,
    tf.greater_equal: np.greater_equal, tf.less: np.less, tf.less_equal: np.less_equal,
}


@pytest.mark.parametrize("dtype", NUMBERS)
@pytest.mark.parametrize("sa,sb", SHAPE_PAIRS)
def test_binary_ops_match_numpy(dtype, sa, sb):
    a, b = sample(sa, dtype), sample(sb, dtype)
    for f, g in BINARY.items():
        check(f(tf.constant(a), tf.constant(b)), g(a, b))
    with np.errstate(all="ignore"):
        check(tf.constant(a) + tf.constant(b), a + b)
        check(tf.constant(a) - tf.constant(b), a - b)
        check(tf.constant(a) * tf.constant(b), a * b)
        check(tf.constant(a) < tf.constant(b), a < b)
        check(tf.constant(a) >= tf.constant(b), a >= b)


@pytest.mark.parametrize("dtype", NUMBERS)
def test_noncontiguous_operands(dtype):
    a, b = sample((3, 4), dtype), sample((3, 4), dtype)
    x, y = wrap(noncontiguous(a)), wrap(noncontiguous(b).T.copy().T)
    assert not x._array.flags.c_contiguous
    check(x + y, a + b)
    check(tf.maximum(x, y), np.maximum(a, b))
    check(tf.reduce_sum(x, 1), a.sum(1, dtype=a.dtype))
    check(tf.transpose(x), a.T)
    check(x[1:, ::-1], a[1:, ::-1])
    check(tf.reshape(x, [-1]), a.reshape(-1))


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_division_floor_mod_pow(dtype):
    a, b = sample((4, 5), dtype), sample((5,), dtype)
    b[0] = 0
    x, y = tf.constant(a), tf.constant(b)
    with np.errstate(all="ignore"):
        check(x / y, a / b)
        check(tf.divide(x, y), a / b)
        check(x // y, np.floor(a / b))
        check(x % y, np.mod(a, b))
        p = np.abs(a)
        check(tf.constant(p) ** y, np.power(p, b))


@pytest.mark.parametrize("dtype", SIGNED + (np.uint8,))
def test_integer_division(dtype):
    a, b = sample((4, 5), dtype), sample((5,), dtype)
    b[b == 0] = 3
    x, y = tf.constant(a), tf.constant(b)
    check(x // y, np.floor_divide(a, b))
    check(x % y, np.mod(a, b))
    want = np.float32 if np.dtype(dtype).itemsize <= 2 else np.float64
    check(x / y, a.astype(want) / b.astype(want))
    check(tf.constant(np.abs(a)) ** tf.constant(np.abs(b) % 3), np.abs(a) ** (np.abs(b) % 3))
    for f in (lambda: x // tf.zeros([5], dtype), lambda: x % tf.zeros([5], dtype)):
        with pytest.raises(errors.InvalidArgumentError, match="Integer division by zero"):
            f()


def test_python_scalars_take_the_tensor_dtype():
    for dtype in NUMBERS:
        a = sample((3,), dtype, 1, 5)
        x = tf.constant(a)
        check(x + 1, a + np.array(1, dtype))
        check(2 * x, np.array(2, dtype) * a)
        check(10 - x, np.array(10, dtype) - a)
        check(x > 2, a > 2)
    x = tf.constant([1., 2.])
    check(x * 2.5, np.array([2.5, 5.], np.float32))
    check(x + np.float64(1), np.array([2., 3.], np.float32))
    check(1 + tf.constant(2), np.int32(3))
    check(tf.add(1, tf.constant(2.)), np.float32(3))
    check(tf.add(1, 2), np.int32(3))
    check(tf.add(np.ones(2), x), np.array([2., 3.], np.float32))


def test_dtype_mismatch_errors():
    with pytest.raises(errors.InvalidArgumentError) as e:
        tf.constant(1.) + tf.constant(1)
    assert str(e.value) == ("cannot compute AddV2 as input #1(zero-based) was expected to be a "
                            "float tensor but is a int32 tensor [Op:AddV2]")
    with pytest.raises(errors.InvalidArgumentError, match="input #1.* expected to be a int32 "
                                                          "tensor but is a double tensor"):
        tf.multiply(tf.constant(1), tf.constant(1., tf.float64))
    with pytest.raises(errors.InvalidArgumentError, match="cannot compute MatMul as input #1"):
        tf.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.float64))
    with pytest.raises(errors.InvalidArgumentError, match="cannot compute ConcatV2 as input #2"):
        tf.concat([tf.ones([2]), tf.ones([2]), tf.ones([2], tf.int32)], 0)
    with pytest.raises(errors.InvalidArgumentError, match="cannot compute AddV2 as input #1"
                                                          ".*expected to be a int32 tensor "
                                                          "but is a float tensor"):
        tf.add(1, 2.5)
    with pytest.raises(TypeError, match="Cannot convert 2.5 to EagerTensor of dtype int32"):
        tf.constant(1) + 2.5
    with pytest.raises(TypeError, match="Cannot convert 256 to EagerTensor of dtype uint8"):
        tf.constant(1, tf.uint8) + 256
    with pytest.raises(TypeError, match="`x` and `y` must have the same dtype, got tf.int32 != "
                                        "tf.float32."):
        tf.constant(1) / 2.5
    with pytest.raises(errors.InvalidArgumentError, match="Value for attr 'T' of int32 is not "
                                                          "in the list of allowed values"):
        tf.exp(tf.constant(1))
    with pytest.raises(errors.InvalidArgumentError, match="Value for attr 'T' of bool"):
        tf.constant(True) + tf.constant(False)
    assert isinstance(errors.InvalidArgumentError(None, None, ""), errors.OpError)


def test_shape_errors():
    with pytest.raises(errors.InvalidArgumentError) as e:
        tf.constant([1., 2., 3.]) + tf.constant([1., 2.])
    assert str(e.value) == "Incompatible shapes: [3] vs. [2] [Op:AddV2]"
    with pytest.raises(errors.InvalidArgumentError, match="Matrix size-incompatible: In\\[0\\]: "
                                                          "\\[2,3\\], In\\[1\\]: \\[2,3\\]"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))
    with pytest.raises(errors.InvalidArgumentError, match="In\\[0\\] and In\\[1\\] has different "
                                                          "ndims: \\[2\\] vs. \\[2,3\\]"):
        tf.matmul(tf.ones([2]), tf.ones([2, 3]))


def test_equality_operators():
    x = tf.constant([1., 2.])
    check(x == tf.constant([1., 3.]), [True, False])
    check(x != 2., [True, False])
    check(x == tf.constant([1., 2., 3.]), np.bool_(False))  # no broadcast: False, as TF 2
    check(x != tf.constant([1., 2., 3.]), np.bool_(True))
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert (x == "a") is False
    with pytest.raises(errors.InvalidArgumentError):
        x == tf.constant([1, 2])


def test_bool_operators():
    a, b = np.array([True, True, False]), np.array([True, False, False])
    x, y = tf.constant(a), tf.constant(b)
    check(x & y, a & b)
    check(x | y, a | b)
    check(x ^ y, a ^ b)
    check(~x, ~a)
    check(tf.logical_and(x, y), a & b)
    check(tf.logical_not(x), ~a)
    check(tf.math.logical_xor(x, y), a ^ b)
    with pytest.raises(TypeError):
        tf.constant([1]) & tf.constant([0])


UNARY = {tf.exp: np.exp, tf.math.log: np.log, tf.sqrt: np.sqrt, tf.tanh: np.tanh,
         tf.sigmoid: lambda a: 1 / (1 + np.exp(-a)), tf.math.log1p: np.log1p,
         tf.math.expm1: np.expm1, tf.math.rsqrt: lambda a: 1 / np.sqrt(a), tf.sin: np.sin,
         tf.cos: np.cos, tf.floor: np.floor, tf.math.ceil: np.ceil, tf.round: np.rint,
         tf.square: np.square, tf.abs: np.abs, tf.negative: np.negative, tf.sign: np.sign,
         tf.nn.relu: lambda a: np.maximum(a, 0), tf.math.reciprocal: lambda a: 1 / a,
         tf.math.softplus: lambda a: np.log1p(np.exp(a))}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(), (5,), (2, 0), (3, 4)])
def test_unary_float_ops_match_numpy(dtype, shape):
    a = sample(shape, dtype)
    a.flat[:1] = 0
    for f, g in UNARY.items():
        with np.errstate(all="ignore"):
            want = np.asarray(g(a)).astype(dtype)
        check(f(tf.constant(a)), want)
    with np.errstate(all="ignore"):
        check(-tf.constant(a), -a)
        check(abs(tf.constant(a)), np.abs(a))


@pytest.mark.parametrize("dtype", SIGNED)
def test_unary_integer_ops(dtype):
    a = sample((7,), dtype)
    for f, g in ((tf.abs, np.abs), (tf.square, np.square), (tf.negative, np.negative),
                 (tf.sign, np.sign), (tf.nn.relu, lambda v: np.maximum(v, 0))):
        check(f(tf.constant(a)), g(a).astype(dtype))


def test_special_float_values():
    x = tf.constant([0., -1., np.inf, np.nan])
    check(tf.math.log(x), np.array([-np.inf, np.nan, np.inf, np.nan], np.float32))
    check(tf.math.is_nan(x), [False, False, False, True])
    check(tf.math.is_inf(x), [False, False, True, False])
    check(tf.math.is_finite(x), [True, True, False, False])
    check(tf.constant(1.) / 0., np.float32(np.inf))


# -- where, cast, clip -----------------------------------------------------------------------------

def test_where():
    c = np.array([[True], [False]])
    a, b = sample((2, 3), np.float32), sample((3,), np.float32)
    check(tf.where(tf.constant(c), tf.constant(a), tf.constant(b)), np.where(c, a, b))
    check(tf.where(tf.constant([True, False]), 1., 2.), np.array([1., 2.], np.float32))
    check(tf.where(tf.constant([True, False]), tf.constant([1, 2]), 0), np.array([1, 0],
                                                                                    np.int32))
    with pytest.raises(errors.InvalidArgumentError, match="input #2\\(zero-based\\) was "
                                                          "expected to be a int32 tensor"):
        tf.where(tf.constant([True]), tf.constant([1]), tf.constant([1.]))
    with pytest.raises(errors.InvalidArgumentError, match="input #0\\(zero-based\\) was "
                                                          "expected to be a bool tensor"):
        tf.where(tf.constant([1.]), 1., 2.)
    with pytest.raises(errors.InvalidArgumentError, match="must be broadcastable"):
        tf.where(tf.constant([True, False]), tf.ones([3]), tf.ones([2]))
    with pytest.raises(errors.UnimplementedError):
        tf.where(tf.constant([True]))


@pytest.mark.parametrize("src", NUMBERS + (np.bool_,))
@pytest.mark.parametrize("dst", NUMBERS + (np.bool_,))
def test_cast(src, dst):
    a = sample((6,), src, -3, 3)
    got = tf.cast(tf.constant(a), dst)
    with np.errstate(all="ignore"):
        # floats to integers truncate toward zero; anything to bool is != 0
        want = a != 0 if dst is np.bool_ else a.astype(dst) if np.dtype(src).kind != "f" or \
            np.dtype(dst).kind == "f" else np.trunc(a).astype(dst)
    check(got, want)


def test_cast_to_same_dtype_is_identity():
    t = tf.constant([1., 2.])
    assert tf.cast(t, tf.float32) is t
    check(tf.cast(1.7, tf.int32), np.int32(1))


def test_clip_and_add_n():
    a = sample((5,), np.float32)
    check(tf.clip_by_value(tf.constant(a), -1., 1.), np.clip(a, -1, 1))
    check(tf.add_n([tf.constant(a)] * 3), a + a + a)


# -- reductions ------------------------------------------------------------------------------------

REDUCTIONS = {tf.reduce_sum: np.sum, tf.reduce_prod: np.prod, tf.reduce_max: np.max,
              tf.reduce_min: np.min}


@pytest.mark.parametrize("dtype", (np.float32, np.float64, np.int32, np.int64, np.uint8))
@pytest.mark.parametrize("axis", [None, 0, 1, -1, [0, 2], (2, 0), []])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(dtype, axis, keepdims):
    a = sample((2, 3, 4), dtype, -2, 2)
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    for f, g in REDUCTIONS.items():
        check(f(tf.constant(a), axis, keepdims), g(a, axis=np_axis, keepdims=keepdims)
              .astype(dtype))
    want = np.mean(a, axis=np_axis, keepdims=keepdims)
    if np.dtype(dtype).kind in "iu":
        want = np.trunc(np.asarray(want)).astype(dtype)
    check(tf.reduce_mean(tf.constant(a), axis, keepdims), np.asarray(want).astype(dtype))


def test_reductions_of_bools_and_empty_tensors():
    a = np.array([[True, False], [True, True]])
    check(tf.reduce_any(tf.constant(a), 1), a.any(1))
    check(tf.reduce_all(tf.constant(a)), a.all())
    e = np.zeros((0, 3), np.float32)
    check(tf.reduce_sum(tf.constant(e), 0), np.zeros(3, np.float32))
    check(tf.reduce_max(tf.constant(e), 0), np.full(3, -np.inf, np.float32))
    check(tf.reduce_mean(tf.constant(e), 0), np.full(3, np.nan, np.float32))
    check(tf.math.reduce_logsumexp(tf.constant([[1., 2.], [3., 4.]]), 1),
          np.log(np.exp([[1., 2.], [3., 4.]]).sum(1)).astype(np.float32))
    with pytest.raises(errors.InvalidArgumentError, match="Invalid reduction dimension 2 for "
                                                          "input with 2 dimensions"):
        tf.reduce_sum(tf.ones([2, 2]), 2)
    with pytest.raises(errors.InvalidArgumentError, match="Value for attr 'T' of bool"):
        tf.reduce_sum(tf.constant(a))


def test_argmax_argmin():
    a = sample((3, 5), np.float32)
    check(tf.argmax(tf.constant(a)), np.argmax(a, 0))
    check(tf.argmax(tf.constant(a), 1, output_type=tf.int32), np.argmax(a, 1).astype(np.int32))
    check(tf.math.argmin(tf.constant(a), -1), np.argmin(a, -1))
    with pytest.raises(errors.InvalidArgumentError, match="Reduction axis 0 is empty"):
        tf.argmax(tf.zeros([0, 2]))


# -- tensor-making and shape ops -------------------------------------------------------------------

def test_fill_zeros_ones_range():
    check(tf.zeros([2, 3]), np.zeros((2, 3), np.float32))
    check(tf.ones((2,), tf.int64), np.ones(2, np.int64))
    check(tf.zeros([2], tf.bool), np.zeros(2, bool))
    check(tf.ones_like(tf.constant([1, 2])), np.ones(2, np.int32))
    check(tf.zeros_like(tf.constant([1., 2.]), tf.uint8), np.zeros(2, np.uint8))
    check(tf.fill([2, 2], 7), np.full((2, 2), 7, np.int32))
    check(tf.zeros(3), np.zeros(3, np.float32))
    check(tf.zeros(tf.constant([2, 1])), np.zeros((2, 1), np.float32))
    check(tf.range(5), np.arange(5, dtype=np.int32))
    check(tf.range(2, 11, 3), np.arange(2, 11, 3, dtype=np.int32))
    check(tf.range(5, 0, -2), np.arange(5, 0, -2, dtype=np.int32))
    check(tf.range(0., 1., 0.25), np.arange(0, 1, 0.25, dtype=np.float32))
    check(tf.range(3, dtype=tf.float64), np.arange(3.))
    check(tf.range(tf.constant(4, tf.int64)), np.arange(4))
    with pytest.raises(errors.InvalidArgumentError, match="Requires delta != 0"):
        tf.range(1, 5, 0)
    with pytest.raises(errors.InvalidArgumentError, match="Fill dimensions must be >= 0"):
        tf.zeros([-1])


def test_reshape_transpose_concat_stack():
    a = sample((2, 3, 4), np.float32)
    x = tf.constant(a)
    check(tf.reshape(x, [4, -1]), a.reshape(4, -1))
    check(tf.reshape(x, tf.constant([6, 4])), a.reshape(6, 4))
    check(tf.reshape(x, tf.TensorShape([24])), a.reshape(24))
    check(tf.transpose(x), a.transpose())
    check(tf.transpose(x, [1, 0, 2]), a.transpose(1, 0, 2))
    check(tf.concat([x, x], 1), np.concatenate([a, a], 1))
    check(tf.concat([x, x], -1), np.concatenate([a, a], -1))
    check(tf.stack([x, x], 0), np.stack([a, a]))
    check(tf.stack([x, x], axis=-1), np.stack([a, a], -1))
    check(tf.stack([1., 2.]), np.array([1., 2.], np.float32))
    check(tf.concat([tf.zeros([0, 4]), tf.ones([2, 4])], 0), np.ones((2, 4), np.float32))
    check(tf.expand_dims(x, 1), a[:, None])
    check(tf.squeeze(tf.ones([1, 2, 1])), np.ones(2, np.float32))
    check(tf.squeeze(tf.ones([1, 2, 1]), [0]), np.ones((2, 1), np.float32))
    check(tf.broadcast_to(tf.constant([1, 2]), [3, 2]), np.broadcast_to([1, 2], (3, 2))
          .astype(np.int32))
    check(tf.shape(x), np.array([2, 3, 4], np.int32))
    check(tf.shape(x, tf.int64), np.array([2, 3, 4]))
    check(tf.size(x), np.int32(24))
    check(tf.rank(x), np.int32(3))
    check(tf.one_hot([0, 2], 3), np.eye(3, dtype=np.float32)[[0, 2]])


def test_shape_op_errors():
    x = tf.ones([2, 3])
    with pytest.raises(errors.InvalidArgumentError) as e:
        tf.reshape(x, [4])
    assert str(e.value) == ("Input to reshape is a tensor with 6 values, but the requested "
                            "shape has 4 [Op:Reshape]")
    with pytest.raises(errors.InvalidArgumentError, match="requires a multiple of 4"):
        tf.reshape(x, [-1, 4])
    with pytest.raises(errors.InvalidArgumentError, match="Only one input size may be -1"):
        tf.reshape(x, [-1, -1])
    with pytest.raises(errors.InvalidArgumentError, match="ConcatOp : Dimension 1 in both "
                                                          "shapes must be equal"):
        tf.concat([x, tf.ones([2, 4])], 0)
    with pytest.raises(errors.InvalidArgumentError, match="Expected concatenating dimensions in "
                                                          "the range \\[-2, 2\\), but got 2"):
        tf.concat([x, x], 2)
    with pytest.raises(errors.InvalidArgumentError, match="Shapes of all inputs must match"):
        tf.stack([tf.ones([2]), tf.ones([3])])
    with pytest.raises(errors.InvalidArgumentError, match="transpose expects a vector of size"):
        tf.transpose(x, [0])


# -- slicing ------------------------------------------------------------------------------------

A = np.arange(2 * 5 * 4).reshape(2, 5, 4).astype(np.int32)
KEYS = [0, -1, 1, slice(None), slice(1, 3), slice(None, None, 2), slice(None, None, -1),
        slice(-2, None), slice(10, 20), slice(3, 1, -1), (0, 1), (1, slice(1, 4), -1),
        (Ellipsis, 0), (Ellipsis, None), (None, 0), (0, None, slice(None, None, 2)),
        (slice(1, 3), slice(None, None, 2), 0), (Ellipsis,), (), (None,),
        (0, Ellipsis, None, slice(1, 2)), (slice(None), None, None, 1), np.int64(1)]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_slicing_matches_numpy(key):
    check(tf.constant(A)[key], A[key])


def test_slicing_the_same_index_again_and_at_other_ranks():
    """Parsed indices are remembered per rank (ops._SLICES): a repeated index, the same index
    on tensors of other ranks, and one first seen with tensor bounds all slice correctly."""
    for _ in range(2):
        for shape in ((5,), (2, 5), (2, 5, 4)):
            a = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
            for key in ((Ellipsis, 1), (slice(None, None, -1), Ellipsis), (1, None)):
                check(tf.constant(a)[key], a[key])
    x = tf.constant(A)
    check(x[tf.constant(1):3], A[1:3])
    check(x[1:3], A[1:3])
    with pytest.raises(errors.InvalidArgumentError, match="slice index 5 of dimension 0"):
        tf.constant(np.arange(5))[5]
    check(tf.constant(np.arange(6))[5], np.int64(5))


def test_slicing_with_tensor_indices_and_errors():
    x = tf.constant(A)
    check(x[tf.constant(1)], A[1])
    check(x[:, tf.constant(1, tf.int64):tf.constant(3)], A[:, 1:3])
    check(tf.constant([1, 2, 3])[0], np.int32(1))
    with pytest.raises(errors.InvalidArgumentError) as e:
        x[2]
    assert str(e.value) == "slice index 2 of dimension 0 out of bounds. [Op:StridedSlice]"
    with pytest.raises(errors.InvalidArgumentError, match="Index out of range using input dim "
                                                          "3; input has only 3 dims"):
        x[0, 0, 0, 0]
    with pytest.raises(TypeError, match="Only integers, slices"):
        x[[0, 1]]
    with pytest.raises(TypeError, match="Only integers, slices"):
        x[tf.constant(1.)]
    with pytest.raises(ValueError, match="Multiple ellipses"):
        x[..., ...]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]


# -- matmul and nn -------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", (np.float32, np.float64, np.int32, np.float16))
@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((5, 2, 3), (3, 1)), ((2, 1, 2, 3),
                                                                           (4, 3, 2)),
                                   ((0, 3), (3, 2)), ((2, 0), (0, 2))])
def test_matmul(dtype, sa, sb):
    a, b = sample(sa, dtype, -2, 2), sample(sb, dtype, -2, 2)
    check(tf.matmul(tf.constant(a), tf.constant(b)), np.matmul(a, b))
    check(tf.constant(a) @ tf.constant(b), np.matmul(a, b))
    check(tf.matmul(tf.constant(b), tf.constant(a), transpose_a=True, transpose_b=True),
          np.matmul(np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2)))


def conv_reference(x, w, strides, padding):
    """A direct convolution (NHWC, HWIO), TensorFlow's SAME padding."""
    n, h, wd, c = x.shape
    kh, kw, _, o = w.shape
    sh, sw = strides
    if padding == "SAME":
        oh, ow = -(-h // sh), -(-wd // sw)
        ph = max((oh - 1) * sh + kh - h, 0)
        pw = max((ow - 1) * sw + kw - wd, 0)
        x = np.pad(x, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)])
    else:
        oh, ow = (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = np.zeros((n, oh, ow, o), x.dtype)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("strides", [1, 2, [1, 2, 1, 1]])
def test_conv2d(padding, strides):
    x, w = sample((2, 7, 6, 3), np.float32), sample((3, 2, 3, 4), np.float32)
    s = [strides] * 2 if isinstance(strides, int) else strides[1:3]
    check(tf.nn.conv2d(tf.constant(x), tf.constant(w), strides, padding),
          conv_reference(x, w, s, padding), tol=1e-5)


def test_pooling():
    x = sample((1, 5, 4, 2), np.float32)
    want_max = np.array([[x[0, 0:2, 0:2].max((0, 1)), x[0, 0:2, 2:4].max((0, 1))],
                         [x[0, 2:4, 0:2].max((0, 1)), x[0, 2:4, 2:4].max((0, 1))]])[None]
    check(tf.nn.max_pool(tf.constant(x), 2, 2, "VALID"), want_max)
    check(tf.nn.max_pool2d(tf.constant(x), [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), want_max)
    same = tf.nn.avg_pool(tf.constant(x), 2, 2, "SAME")
    assert same.shape == (1, 3, 2, 2)
    check(same[:, 2], x[:, 4:5].reshape(1, 2, 2, 2).mean(2))  # the last row: 1 element high
    with pytest.raises(errors.InvalidArgumentError, match="Computed output size would be "
                                                          "negative"):
        tf.nn.max_pool(tf.constant(x), 6, 1, "VALID")
    with pytest.raises(errors.UnimplementedError, match="NHWC"):
        tf.nn.conv2d(tf.ones([1, 2, 2, 1]), tf.ones([1, 1, 1, 1]), 1, "SAME",
                     data_format="NCHW")


def test_softmax_and_friends():
    a = sample((3, 4), np.float32)
    e = np.exp(a - a.max(-1, keepdims=True))
    check(tf.nn.softmax(tf.constant(a)), e / e.sum(-1, keepdims=True))
    e0 = np.exp(a - a.max(0, keepdims=True))
    check(tf.nn.softmax(tf.constant(a), axis=0), e0 / e0.sum(0, keepdims=True))
    check(tf.nn.log_softmax(tf.constant(a)), np.log(e / e.sum(-1, keepdims=True)))
    check(tf.nn.softmax(tf.constant([1000., 0.])), np.array([1., 0.], np.float32))
    check(tf.nn.relu6(tf.constant([-1., 3., 7.])), np.array([0., 3., 6.], np.float32))
    check(tf.nn.leaky_relu(tf.constant([-1., 3.])), np.array([-0.2, 3.], np.float32))
    check(tf.nn.bias_add(tf.constant(a), tf.constant([1., 2., 3., 4.], tf.float32)),
          a + np.array([1, 2, 3, 4], np.float32))
    with pytest.raises(errors.InvalidArgumentError, match="Value for attr 'T' of int32"):
        tf.nn.softmax(tf.constant([1, 2]))


def test_dropout():
    tf.random.set_seed(3)
    x = tf.ones([1000])
    y = tf.nn.dropout(x, 0.25).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    assert 0.65 < kept.mean() < 0.85
    assert tf.nn.dropout(x, 0.).numpy().tolist() == x.numpy().tolist()
    assert tf.nn.dropout(tf.ones([4, 3]), 0.5, noise_shape=[4, 1]).numpy().std(1).max() == 0
    with pytest.raises(ValueError, match="rate must be a scalar tensor or a float in the range "
                                         "\\[0, 1\\), got 1"):
        tf.nn.dropout(x, 1)
    with pytest.raises(ValueError, match="x has to be a floating point tensor"):
        tf.nn.dropout(tf.constant([1, 2]), 0.5)


# -- print, identity, stop_gradient ----------------------------------------------------------------

def test_print_writes_tf_print_text_to_stderr(capsys):
    tf.print(tf.constant([1, 2, 3]), "and", tf.constant([[1.5, 2.], [3., 4.]]), 7)
    tf.print(tf.range(10))
    tf.print(tf.range(10), summarize=-1)
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == ("[1 2 3] and [[1.5 2]\n [3 4]] 7\n[0 1 2 ... 7 8 9]\n"
                       "[0 1 2 3 4 5 6 7 8 9]\n")
    import sys
    tf.print("x", tf.constant(True), output_stream=sys.stdout, sep="=", end="!")
    assert capsys.readouterr().out == "x=1!"


def test_identity_and_stop_gradient():
    x = tf.constant([1., 2.])
    for f in (tf.identity, tf.stop_gradient):
        y = f(x)
        assert y is not x and repr(y) == repr(x)
    v = tf.Variable([1., 2.])
    y = tf.identity(v)
    v.assign([3., 4.])
    assert y.numpy().tolist() == [1., 2.]


def test_ops_in_threads_and_nested_kernel_calls():
    import threading
    from lamina.frontend.execute import call_kernel, quiet
    results = []

    def work(k):
        x = tf.constant(np.full(3, k, np.float32))
        results.append(((x + 1) / 0.).numpy().tolist() + [tf.exp(x).numpy()[0]])
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r[0] == np.inf for r in results)
    # a kernel that (through a finalizer, say) runs another op inside the quiet context
    a = np.ones(2, np.float32)
    got = quiet.run(lambda: call_kernel(np.divide, (a, np.zeros(2, np.float32)), {}))
    assert got.tolist() == [np.inf, np.inf]
