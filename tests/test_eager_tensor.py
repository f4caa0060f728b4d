"""Eager tensors: creation and TensorFlow's dtype rules, reprs (the seed's section II), the
Python protocols, TensorShape, DType, devices."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import lamina as tf
from lamina import errors


# -- the seed's section II -------------------------------------------------------------------------

def test_seed_add_repr_and_str():
    t = tf.constant([1., 2.]) + tf.constant([3., 4.])
    assert repr(t) == ("<lamina.Tensor: shape=(2,), dtype=float32, numpy=array([4., 6.], "
                       "dtype=float32)>")
    assert str(t) == "lamina.Tensor([4. 6.], shape=(2,), dtype=float32)"


def test_seed_device_scope_runs_on_the_cpu():
    assert tf.test.is_gpu_available() is False
    with tf.device("gpu:0"):
        t = tf.constant([1., 2.]) + tf.constant([3., 4.])
    assert t.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    np.testing.assert_array_equal(t.numpy(), [4., 6.])


@pytest.mark.parametrize("make,text", [
    (lambda: tf.constant(6.0), "<lamina.Tensor: shape=(), dtype=float32, numpy=6.0>"),
    (lambda: tf.constant(5), "<lamina.Tensor: shape=(), dtype=int32, numpy=5>"),
    (lambda: tf.constant(True), "<lamina.Tensor: shape=(), dtype=bool, numpy=True>"),
    (lambda: tf.constant(np.float64(0.1)),
     "<lamina.Tensor: shape=(), dtype=float64, numpy=0.1>"),
    (lambda: tf.ones([2, 2]) * 3,
     "<lamina.Tensor: shape=(2, 2), dtype=float32, numpy=\narray([[3., 3.],\n"
     "       [3., 3.]], dtype=float32)>"),
    (lambda: tf.ones([2, 2], dtype=tf.uint8) * 3,
     "<lamina.Tensor: shape=(2, 2), dtype=uint8, numpy=\narray([[3, 3],\n"
     "       [3, 3]], dtype=uint8)>"),
    (lambda: tf.zeros([0, 3], tf.int64),
     "<lamina.Tensor: shape=(0, 3), dtype=int64, numpy=array([], shape=(0, 3), "
     "dtype=int64)>"),
])
def test_reprs(make, text):
    assert repr(make()) == text


def test_str_multiline_and_scalar():
    assert str(tf.constant([[1, 2], [3, 4]])) == \
        "lamina.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)"
    assert str(tf.constant(2.5)) == "lamina.Tensor(2.5, shape=(), dtype=float32)"


# -- creation and dtypes ---------------------------------------------------------------------------

@pytest.mark.parametrize("value,dtype", [
    (1., tf.float32), ([1., 2.], tf.float32), (1, tf.int32), ([[1, 2]], tf.int32),
    (True, tf.bool), ([True, False], tf.bool), ([1, 2.5], tf.float32), ([], tf.float32),
    (2 ** 40, tf.int64), ([1, 2 ** 40], tf.int64),
    (np.array([1., 2.]), tf.float64), (np.float64(1), tf.float64), (np.int64(3), tf.int64),
    (np.array([1, 2], np.uint8), tf.uint8), (np.array([1], np.int16), tf.int16),
    (np.float16(1), tf.float16), ([np.float64(1.), np.float64(2.)], tf.float64),
])
def test_inferred_dtypes(value, dtype):
    t = tf.constant(value)
    assert t.dtype == dtype and t.dtype is dtype
    np.testing.assert_array_equal(t.numpy(), np.asarray(value))


def test_constant_with_dtype_and_shape():
    assert tf.constant(1, tf.float32).numpy() == np.float32(1)
    assert tf.constant([1, 2], tf.float64).dtype == tf.float64
    assert tf.constant(np.array([1, 2]), tf.float32).dtype == tf.float32
    assert tf.constant(np.array([1, 300]), tf.uint8).numpy().tolist() == [1, 44]  # as TF
    np.testing.assert_array_equal(tf.constant(0., shape=[2, 3]).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=(2, 2)).numpy(),
                                  [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="unsupported shape"):
        tf.constant([1, 2, 3], shape=[2, 2])


@pytest.mark.parametrize("value,dtype", [
    (1.5, tf.int32), (1., tf.int64), (300, tf.uint8), (-1, tf.uint8), (1, tf.bool),
    ([1.5, 2.], tf.int32), ([1, 2], tf.bool), (np.array([1.5]), tf.int32),
    (np.array([True]), tf.float32), (np.array([1]), tf.bool),
])
def test_conversions_tf_refuses(value, dtype):
    with pytest.raises(TypeError, match=f"Cannot convert .* to EagerTensor of dtype "
                                        f"{dtype.name}"):
        tf.constant(value, dtype)


def test_other_bad_values():
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.constant([[1, 2], [3]])
    with pytest.raises(TypeError):
        tf.constant("text")
    with pytest.raises(TypeError, match="unsupported dtype complex128"):
        tf.constant(np.array([1j]))
    with pytest.raises(errors.UnimplementedError, match="bfloat16"):
        tf.zeros([2], tf.bfloat16)


def test_numpy_input_is_copied():
    a = np.array([1., 2.], np.float32)
    t = tf.constant(a)
    a[0] = 9
    assert t.numpy()[0] == 1
    # and .numpy() is a copy, as TF's
    t.numpy()[1] = 7
    assert t.numpy()[1] == 2


def test_non_native_byte_order_and_noncontiguous_inputs():
    a = np.arange(6, dtype=">i4").reshape(2, 3)
    t = tf.constant(a)
    assert t.dtype == tf.int32
    np.testing.assert_array_equal(t.numpy(), a)
    b = np.arange(12.).reshape(3, 4)[:, ::2].T
    np.testing.assert_array_equal(tf.constant(b).numpy(), b)


def test_convert_to_tensor():
    t = tf.constant([1., 2.])
    assert tf.convert_to_tensor(t) is t
    with pytest.raises(ValueError, match="Tensor conversion requested dtype int32 for Tensor "
                                         "with dtype float32"):
        tf.convert_to_tensor(t, tf.int32)
    assert tf.convert_to_tensor(1, dtype_hint=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor(1.5, dtype_hint=tf.int32).dtype == tf.float32
    assert tf.convert_to_tensor(tf.TensorShape([2, 3])).numpy().tolist() == [2, 3]
    v = tf.Variable([1, 2])
    assert tf.convert_to_tensor(v).numpy().tolist() == [1, 2]
    assert tf.is_tensor(t) and tf.is_tensor(v) and not tf.is_tensor(np.ones(2))
    assert isinstance(t, tf.Tensor) and not isinstance(v, tf.Tensor)


# -- Python protocols ------------------------------------------------------------------------------

def test_numpy_and_array_protocol():
    t = tf.constant([[1., 2.], [3., 4.]])
    assert isinstance(t.numpy(), np.ndarray)
    s = tf.constant(3.).numpy()
    assert type(s) is np.float32 and s == 3
    np.testing.assert_array_equal(np.asarray(t), [[1, 2], [3, 4]])
    assert np.asarray(t, dtype=np.int64).dtype == np.int64
    assert np.array(t).flags.owndata
    r = np.ones(2) + tf.constant([1., 2.])  # numpy defers to the tensor
    assert isinstance(r, tf.Tensor) and r.dtype == tf.float32


def test_scalar_conversions():
    assert bool(tf.constant(True)) is True and not tf.constant(0)
    assert float(tf.constant(2.5)) == 2.5 and int(tf.constant(7)) == 7
    assert [10, 20, 30][tf.constant(1)] == 20
    assert f"{tf.constant(2.5):.2f}" == "2.50"
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tf.constant([1, 2]))
    with pytest.raises(TypeError):
        [1, 2][tf.constant(1.)]


def test_len_iter_shape():
    t = tf.reshape(tf.range(6), [3, 2])
    assert len(t) == 3 and t.ndim == 2
    rows = list(t)
    assert [r.numpy().tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    assert [x.numpy() for x in tf.constant([1, 2])] == [1, 2]
    with pytest.raises(TypeError, match="Scalar tensor has no `len\\(\\)`"):
        len(tf.constant(1))
    with pytest.raises(TypeError, match="Cannot iterate over a scalar tensor."):
        iter(tf.constant(1))


def test_hashing_and_refs():
    t = tf.constant(1)
    with pytest.raises(TypeError, match="Tensor is unhashable. Instead, use tensor.ref\\(\\) "
                                        "as the key."):
        hash(t)
    d = {t.ref(): "t"}
    assert d[t.ref()] == "t" and t.ref().deref() is t
    assert tf.constant(1).ref() != t.ref()


def test_pickle_and_copy():
    import copy
    t = tf.constant([1., 2.])
    assert copy.copy(t) is t and copy.deepcopy(t) is t
    u = pickle.loads(pickle.dumps(t))
    assert repr(u) == repr(t)


# -- TensorShape and DType -------------------------------------------------------------------------

def test_tensor_shape():
    s = tf.ones([2, 3]).shape
    assert s == (2, 3) and s == [2, 3] and s == tf.TensorShape([2, 3]) and s != (3, 2)
    assert repr(s) == "TensorShape([2, 3])" and str(s) == "(2, 3)"
    assert s.as_list() == [2, 3] and s.rank == 2 and s.ndims == 2 and len(s) == 2
    assert s[0] == 2 and s[-1] == 3 and s[1:] == (3,) and list(s) == [2, 3]
    assert s.num_elements() == 6 and s.is_fully_defined()
    assert str(tf.TensorShape([5])) == "(5,)" and str(tf.TensorShape([])) == "()"
    u = tf.TensorShape([None, 3])
    assert u.as_list() == [None, 3] and not u.is_fully_defined() and u.num_elements() is None
    assert u.is_compatible_with(s) and not u.is_compatible_with([2, 4])
    assert u.merge_with(s) == s and s.concatenate([4]) == (2, 3, 4)
    assert repr(tf.TensorShape(None)) == "TensorShape(None)"
    with pytest.raises(ValueError):
        tf.TensorShape(None).as_list()
    assert hash(tf.TensorShape([2, 3])) == hash(s)
    assert bool(tf.TensorShape([])) is True


def test_dtypes():
    assert repr(tf.float32) == "tf.float32" and str(tf.float32) == "<dtype: 'float32'>"
    assert tf.float32.name == "float32" and tf.float32.as_numpy_dtype is np.float32
    assert tf.float32.is_floating and not tf.float32.is_integer
    assert tf.uint8.is_integer and tf.uint8.is_unsigned and not tf.bool.is_integer
    assert tf.float32 == np.float32 and tf.float32 == "float32" and tf.float64 == "double"
    assert tf.as_dtype(np.dtype("int64")) is tf.int64 and tf.as_dtype("half") is tf.float16
    assert tf.as_dtype(float) is tf.float32 and tf.as_dtype(bool) is tf.bool
    assert tf.int8.min == -128 and tf.uint8.max == 255 and tf.float16.size == 2
    assert tf.dtypes.float32 is tf.float32
    with pytest.raises(TypeError):
        tf.as_dtype("float33")
    assert {tf.float32: 1}[tf.as_dtype("float32")] == 1


def test_dtypes_map_to_lamina_element_types():
    from lamina.ir import types as T
    assert str(tf.uint8.ir_type) == "ui8" and tf.bool.ir_type == T.i1
    assert tf.float32.ir_type == T.f32 and str(tf.bfloat16.ir_type) == "bf16"
    assert tf.int64.ir_type == T.i64
    for d in (tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int8, tf.int16, tf.int32,
              tf.int64, tf.uint8, tf.bool):
        assert tf.as_dtype(d.ir_type) is d


# -- devices ---------------------------------------------------------------------------------------

def test_devices():
    assert tf.config.list_physical_devices() == [
        tf.config.list_physical_devices("CPU")[0]]
    d = tf.config.list_physical_devices()[0]
    assert repr(d) == "PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')"
    assert tf.config.list_physical_devices("GPU") == []
    for name in ("cpu:0", "/device:CPU:0", "/job:localhost/replica:0/task:0/device:CPU:0",
                 "CPU", "/cpu:0"):
        with tf.device(name) as scope:
            assert scope.name == "/job:localhost/replica:0/task:0/device:CPU:0"
            assert tf.constant(1.).device.endswith("CPU:0")
    with pytest.raises(ValueError, match="Failed parsing device name"):
        tf.device("tpu:0")


def test_namespaces_import_as_modules():
    import lamina.nn
    from lamina.math import log
    assert lamina.nn.relu is tf.nn.relu and log is tf.math.log
    assert tf.newaxis is None and tf.__version__


def test_eager_tour_example_prints_the_seed():
    import re
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, str(root / "examples" / "eager_tour.py")], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0] == repr(tf.__version__)
    assert lines[1] == ("<lamina.Tensor: shape=(2,), dtype=float32, numpy=array([4., 6.], "
                        "dtype=float32)>")
    assert re.fullmatch(r"<lamina\.Variable 'Variable:0' shape=\(3, 5\) dtype=float32, numpy=\n"
                        r"array\(\[\[(.*)\],\n       \[(.*)\],\n       \[(.*)\]\],\n"
                        r"      dtype=float32\)>\n", "\n".join(lines[2:]) + "\n")
