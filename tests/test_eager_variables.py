"""Variables (the seed's section III) and the random generator's state."""

from __future__ import annotations

import re

import numpy as np
import pytest

import lamina as tf
from lamina import errors
from lamina.dialects.lamina_ops import random as R
from lamina.frontend import random_state


def test_seed_variable_repr():
    tf.random.set_seed(7)
    v = tf.Variable(tf.random.normal([3, 5]))
    text = repr(v)
    # the seed's format: the numpy repr on the next line, dtype on its own last line
    assert re.fullmatch(r"<lamina\.Variable 'Variable:0' shape=\(3, 5\) dtype=float32, numpy=\n"
                        r"array\(\[\[.*\],\n       \[.*\],\n       \[.*\]\],\n"
                        r"      dtype=float32\)>", text), text
    assert text.endswith(repr(v.numpy()) + ">")


def test_variable_repr_of_fixed_seed_draws():
    # uniform draws are bit-exact functions of (seed, counter): the whole text is fixed
    tf.random.set_seed(1)
    assert repr(tf.Variable(tf.random.uniform([3, 5], -1, 1))) == (
        "<lamina.Variable 'Variable:0' shape=(3, 5) dtype=float32, numpy=\n"
        "array([[ 0.7805183 , -0.94509554,  0.8062749 ,  0.07726073,  0.46244287],\n"
        "       [ 0.80935764, -0.32608962, -0.93051624,  0.2668047 , -0.9597285 ],\n"
        "       [ 0.8614967 ,  0.1214304 , -0.661706  ,  0.19832706,  0.30023503]],\n"
        "      dtype=float32)>")


def test_scalar_variable_reprs_of_section_vi():
    a = tf.Variable(2.0)
    b = tf.Variable(3.0)
    assert repr(a) == "<lamina.Variable 'Variable:0' shape=() dtype=float32, numpy=2.0>"
    assert repr(b) == "<lamina.Variable 'Variable:0' shape=() dtype=float32, numpy=3.0>"
    assert repr(tf.Variable(1, name="step")) == \
        "<lamina.Variable 'step:0' shape=() dtype=int32, numpy=1>"


def test_properties():
    v = tf.Variable(np.ones((2, 3), np.float64), trainable=False, name="w")
    assert v.name == "w:0" and not v.trainable and v.dtype == tf.float64
    assert v.shape == (2, 3) and v.get_shape() == [2, 3]
    assert v.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert tf.Variable(1.).trainable and tf.Variable(1.).name == "Variable:0"
    assert tf.Variable(lambda: tf.zeros([2])).numpy().tolist() == [0, 0]
    assert tf.Variable(1, dtype=tf.float32).dtype == tf.float32
    with pytest.raises(ValueError):
        tf.Variable(tf.constant(1), dtype=tf.float32)
    with pytest.raises(ValueError):
        tf.Variable()


def test_assign_family():
    v = tf.Variable([1., 2., 3.])
    buffer = v._array
    assert v.assign([4., 5., 6.]) is v
    assert v.numpy().tolist() == [4., 5., 6.]
    v.assign_add(tf.constant([1., 1., 1.]))
    v.assign_sub([0.5, 0.5, 0.5])
    assert v.numpy().tolist() == [4.5, 5.5, 6.5]
    assert v.assign(np.zeros(3), read_value=False) is None
    assert v._array is buffer  # written in place: compiled code may hold its address
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign([1., 2.])
    with pytest.raises(ValueError, match="Tensor conversion requested dtype float32 for Tensor "
                                         "with dtype int32"):
        v.assign(tf.constant([1, 2, 3]))
    with pytest.raises(errors.InvalidArgumentError, match="Cannot update variable with shape "
                                                          "\\[3\\] using a Tensor with shape "
                                                          "\\[\\], shapes must be equal"):
        v.assign_add(1.)
    with pytest.raises(TypeError, match="Cannot convert \\[1.5, 2\\] to EagerTensor of dtype "
                                        "int32"):
        tf.Variable([1, 2]).assign([1.5, 2])


def test_reads_are_snapshots():
    v = tf.Variable([1., 2.])
    r = v.read_value()
    n = v.numpy()
    t = v + 0
    s = v[0]
    v.assign([7., 8.])
    assert r.numpy().tolist() == [1., 2.] and n.tolist() == [1., 2.]
    assert t.numpy().tolist() == [1., 2.] and s.numpy() == 1.
    assert v.value().numpy().tolist() == [7., 8.]
    assert np.asarray(v) is not v._array


def test_operators_and_protocols():
    v = tf.Variable([[1., 2.], [3., 4.]])
    np.testing.assert_array_equal((v + 1).numpy(), [[2, 3], [4, 5]])
    np.testing.assert_array_equal((2 * v).numpy(), [[2, 4], [6, 8]])
    np.testing.assert_array_equal((v @ v).numpy(), [[7, 10], [15, 22]])
    np.testing.assert_array_equal((v == 2.).numpy(), [[False, True], [False, False]])
    np.testing.assert_array_equal(tf.matmul(v, tf.ones([2, 1])).numpy(), [[3], [7]])
    np.testing.assert_array_equal(v[1, :].numpy(), [3, 4])
    np.testing.assert_array_equal(-v, -np.array([[1, 2], [3, 4]]))
    assert len(v) == 2 and [r.numpy().tolist() for r in v] == [[1, 2], [3, 4]]
    s = tf.Variable(3.)
    assert float(s) == 3. and bool(s) and int(tf.Variable(2)) == 2
    with pytest.raises(errors.InvalidArgumentError, match="cannot compute AddV2"):
        v + tf.constant(1)
    with pytest.raises(TypeError, match="Variable is unhashable"):
        hash(v)
    assert {v.ref(): 1}[v.ref()] == 1
    # `v += 1` rebinds to a tensor, as in TensorFlow
    w = v
    w += 1
    assert isinstance(w, tf.Tensor) and v.numpy()[0, 0] == 1.


# -- random ------------------------------------------------------------------------------------

def test_set_seed_gives_the_same_draws():
    tf.random.set_seed(42)
    a, b = tf.random.normal([4]).numpy(), tf.random.uniform([2, 3]).numpy()
    tf.random.set_seed(42)
    assert tf.random.normal([4]).numpy().tolist() == a.tolist()
    assert tf.random.uniform([2, 3]).numpy().tolist() == b.tolist()
    c = tf.random.normal([4]).numpy()
    assert c.tolist() != a.tolist()


def test_draws_come_from_the_shared_state():
    tf.random.set_seed(5)
    assert random_state.STATE.tolist() == [5, 0]
    u = tf.random.uniform([2, 3], -1, 2, dtype=tf.float64).numpy()
    np.testing.assert_array_equal(u, R.uniform_reference((2, 3), np.float64, 5, 0, -1., 2.))
    assert random_state.STATE.tolist() == [5, 6]  # advanced by the number of elements
    z = tf.random.normal([5], 1., 2.).numpy()
    np.testing.assert_array_equal(z, R.normal_reference((5,), np.float32, 5, 6, 1., 2.))
    assert random_state.STATE.tolist() == [5, 11]


def test_random_shapes_dtypes_and_distributions():
    tf.random.set_seed(1)
    z = tf.random.normal([20000], 3., 2., tf.float64)
    assert z.dtype == tf.float64 and abs(z.numpy().mean() - 3) < 0.1
    assert abs(z.numpy().std() - 2) < 0.1
    u = tf.random.uniform(tf.constant([3, 4]), maxval=5.)
    assert u.shape == (3, 4) and 0 <= u.numpy().min() and u.numpy().max() < 5
    i = tf.random.uniform([1000], 2, 7, dtype=tf.int32).numpy()
    assert i.dtype == np.int32 and set(i.tolist()) == {2, 3, 4, 5, 6}
    assert tf.random.normal([2], dtype=tf.float16).dtype == tf.float16
    m = tf.random.normal([3], mean=tf.constant(10.))
    assert m.shape == (3,) and m.numpy().min() > 5
    assert tf.random.uniform([0, 3]).shape == (0, 3)
    with pytest.raises(ValueError):
        tf.random.normal([2], dtype=tf.int32)
    with pytest.raises(ValueError, match="Must specify maxval"):
        tf.random.uniform([2], dtype=tf.int32)
