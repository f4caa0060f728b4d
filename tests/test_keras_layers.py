"""lamina.keras layers and models: forward passes against numpy, auto-names, shapes, weights,
training= propagation, summary() as tf.keras 2 prints it, configs."""

import numpy as np
import pytest

import lamina as tf
from lamina import keras
from lamina.keras import layers as L


@pytest.fixture(autouse=True)
def fresh_names():
    keras.backend.clear_session()
    tf.random.set_seed(1)
    yield


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def np_conv_same(x, w, stride=1):
    """NHWC x HWIO cross-correlation with TensorFlow's SAME padding."""
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    oh, ow = -(-h // stride), -(-wd // stride)
    ph = max((oh - 1) * stride + kh - h, 0)
    pw = max((ow - 1) * stride + kw - wd, 0)
    xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    out = np.zeros((n, oh, ow, f), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def np_pool(x, k, s, padding, fn):
    n, h, w, c = x.shape
    if padding == "same":
        oh, ow = -(-h // s), -(-w // s)
        ph, pw = max((oh - 1) * s + k - h, 0), max((ow - 1) * s + k - w, 0)
        fill = -np.inf if fn is np.max else np.nan
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)),
                   constant_values=fill)
    else:
        oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, oh, ow, c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            win = x[:, i * s:i * s + k, j * s:j * s + k, :]
            out[:, i, j, :] = fn(win, axis=(1, 2)) if fn is np.max else np.nanmean(win, (1, 2))
    return out


# -- layers against numpy ---------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 5), (2, 4, 5)])
def test_dense_forward(shape):
    x = rand(*shape)
    d = L.Dense(7, activation="relu")
    y = d(x).numpy()
    k, b = d.kernel.numpy(), d.bias.numpy()
    np.testing.assert_allclose(y, np.maximum(x @ k + b, 0), rtol=1e-5, atol=1e-6)
    assert d.kernel.shape == (5, 7) and d.bias.shape == (7,)
    assert [v.name for v in d.weights] == ["dense/kernel:0", "dense/bias:0"]


def test_glorot_uniform_default_and_zero_bias():
    d = L.Dense(300)
    d.build((None, 200))
    k = d.kernel.numpy()
    limit = np.sqrt(6 / (200 + 300))
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.9 * limit
    assert abs(k.std() - limit / np.sqrt(3)) < 0.01 * limit * 3
    assert not d.bias.numpy().any()


@pytest.mark.parametrize("stride,padding", [(1, "same"), (2, "same"), (1, "valid")])
def test_conv2d_forward(stride, padding):
    x = rand(2, 7, 6, 3)
    c = L.Conv2D(4, 3, strides=stride, padding=padding, activation=tf.nn.relu)
    y = c(x).numpy()
    w, b = c.kernel.numpy(), c.bias.numpy()
    if padding == "same":
        want = np_conv_same(x, w, stride)
    else:
        want = np_conv_same(x, w, 1)[:, 1:-1, 1:-1, :]
    np.testing.assert_allclose(y, np.maximum(want + b, 0), rtol=1e-4, atol=1e-5)
    assert c.kernel.shape == (3, 3, 3, 4)


@pytest.mark.parametrize("cls,fn", [(L.MaxPooling2D, np.max), (L.AveragePooling2D, np.mean)])
@pytest.mark.parametrize("padding", ["same", "valid"])
def test_pooling_forward(cls, fn, padding):
    x = rand(2, 5, 6, 3)
    y = cls((2, 2), (2, 2), padding=padding)(x).numpy()
    np.testing.assert_allclose(y, np_pool(x, 2, 2, padding, fn), rtol=1e-6)


def test_flatten_reshape_activation_embedding():
    x = rand(2, 3, 4)
    np.testing.assert_array_equal(L.Flatten()(x).numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(L.Reshape((4, -1))(x).numpy(), x.reshape(2, 4, 3))
    np.testing.assert_allclose(L.Activation("tanh")(x).numpy(), np.tanh(x), rtol=1e-6)
    np.testing.assert_allclose(L.Activation(tf.nn.softmax)(x).numpy().sum(-1), 1, rtol=1e-6)
    e = L.Embedding(10, 4)
    ids = np.array([[1, 2, 9], [0, 0, 3]])
    np.testing.assert_array_equal(e(ids).numpy(), e.embeddings.numpy()[ids])
    with pytest.raises(ValueError, match="total size"):
        L.Reshape((5,))(x)


def test_dropout_training_flag():
    x = np.ones((200, 50), np.float32)
    d = L.Dropout(0.3)
    np.testing.assert_array_equal(d(x).numpy(), x)                 # inference by default
    y = d(x, training=True).numpy()
    kept = y != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)


def test_batchnorm_training_and_inference():
    x = rand(16, 3) * 3 + 2
    bn = L.BatchNormalization(momentum=0.5)
    y = bn(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * var, rtol=1e-5)
    y = bn(x).numpy()  # inference: the moving statistics
    np.testing.assert_allclose(y, (x - 0.5 * mean) / np.sqrt(0.5 + 0.5 * var + 1e-3),
                               rtol=1e-4, atol=1e-5)
    assert [v.name for v in bn.trainable_weights] == ["batch_normalization/gamma:0",
                                                      "batch_normalization/beta:0"]
    assert len(bn.non_trainable_weights) == 2 and bn.count_params() == 12


def test_training_reaches_nested_layers():
    seen = []

    class Probe(L.Layer):
        def call(self, x, training=None):
            if tf.executing_eagerly():  # not the symbolic call that builds the Sequential
                seen.append(training)
            return x

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = keras.Sequential([Probe(), L.Dropout(0.5)])

        def call(self, x):
            return self.inner(x)

    net = Net()
    x = np.ones((4, 3), np.float32)
    net(x, training=True)
    net(x)
    net(x, training=False)
    assert seen == [True, False, False]


# -- models ---------------------------------------------------------------------------------------

def seed_sequential():
    data_format = "channels_last"
    max_pool = L.MaxPooling2D((2, 2), (2, 2), padding="same", data_format=data_format)
    return keras.Sequential([
        L.Reshape(target_shape=[28, 28, 1], input_shape=[28, 28]),
        L.Conv2D(32, 5, padding="same", data_format=data_format, activation=tf.nn.relu),
        max_pool,
        L.Conv2D(64, 5, padding="same", data_format=data_format, activation=tf.nn.relu),
        max_pool,
        L.Flatten(),
        L.Dense(1024, activation=tf.nn.relu),
        L.Dropout(0.3),
        L.Dense(10, activation=tf.nn.softmax)])


SEED_SUMMARY = '''\
Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #   
=================================================================
reshape (Reshape)            (None, 28, 28, 1)         0         
_________________________________________________________________
conv2d (Conv2D)              (None, 28, 28, 32)        832       
_________________________________________________________________
max_pooling2d (MaxPooling2D) multiple                  0         
_________________________________________________________________
conv2d_1 (Conv2D)            (None, 14, 14, 64)        51264     
_________________________________________________________________
max_pooling2d (MaxPooling2D) multiple                  0         
_________________________________________________________________
flatten (Flatten)            (None, 3136)              0         
_________________________________________________________________
dense (Dense)                (None, 1024)              3212288   
_________________________________________________________________
dropout (Dropout)            (None, 1024)              0         
_________________________________________________________________
dense_1 (Dense)              (None, 10)                10250     
=================================================================
Total params: 3,274,634
Trainable params: 3,274,634
Non-trainable params: 0
_________________________________________________________________
'''


def test_seed_sequential_summary(capsys):
    model = seed_sequential()
    model.summary()
    assert capsys.readouterr().out == SEED_SUMMARY
    assert model.count_params() == 832 + 51264 + 3212288 + 10250
    assert len(model.trainable_variables) == 8


def test_auto_names_and_input_cast():
    a, b = L.Dense(2), L.Dense(2)
    c = L.Conv2D(1, 1)
    assert (a.name, b.name, c.name) == ("dense", "dense_1", "conv2d")
    assert L.BatchNormalization().name == "batch_normalization"
    m1, m2 = keras.Sequential(), keras.Sequential()
    assert (m1.name, m2.name) == ("sequential", "sequential_1")
    m = keras.Sequential([L.Dense(3, input_shape=(4,))])
    y = m(np.arange(8, dtype=np.uint8).reshape(2, 4))
    assert y.dtype == tf.float32


def test_sequential_built_lazily():
    m = keras.Sequential([L.Dense(5), L.Dense(2)])
    assert not m.built
    with pytest.raises(ValueError, match="not yet been built"):
        m.summary()
    x = rand(3, 4)
    y = m(x).numpy()
    assert m.built and m.layers[0].kernel.shape == (4, 5)
    k0, b0, k1, b1 = (v.numpy() for v in m.weights)
    np.testing.assert_allclose(y, (x @ k0 + b0) @ k1 + b1, rtol=1e-5, atol=1e-6)
    assert m.layers[1].output_shape == (None, 2)
    m.pop()
    assert [x.name for x in m.layers] == ["dense"] and len(m.weights) == 2
    assert m(x).shape == (3, 5)


def test_functional_api():
    inp = keras.Input(shape=(6,))
    h = L.Dense(4, activation="relu")(inp)
    a = L.Dense(3)(h)
    b = L.Dense(3)(h)
    out = L.Activation("sigmoid")(a)
    model = keras.Model(inp, [out, b])
    assert inp.shape == (None, 6) and out.shape == (None, 3)
    x = rand(5, 6)
    y1, y2 = model(x)
    w = [v.numpy() for v in model.weights]
    hid = np.maximum(x @ w[0] + w[1], 0)
    np.testing.assert_allclose(y1.numpy(), 1 / (1 + np.exp(-(hid @ w[2] + w[3]))), rtol=1e-5)
    np.testing.assert_allclose(y2.numpy(), hid @ w[4] + w[5], rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in model.layers] == [
        "input_1", "dense", "dense_1", "activation", "dense_2"]
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(keras.Input(shape=(6,)), out)


def test_functional_summary_has_connected_to(capsys):
    inp = keras.Input(shape=(4,), name="x")
    a, b = L.Dense(2)(inp), L.Dense(2)(inp)
    keras.Model(inp, L.Dense(1)(L.Activation("relu")(a))).summary()
    text = capsys.readouterr().out
    assert 'Model: "model"' in text and "x (InputLayer)" in text and "[(None, 4)]" in text
    assert b.shape == (None, 2)


def test_subclassed_model_weights_and_summary(capsys):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = L.Dense(3)
            self.d2 = L.Dense(1)

        def call(self, x):
            return self.d2(self.d1(x))

    net = Net()
    assert net.name == "net"
    net(rand(2, 5))
    assert [v.name for v in net.trainable_variables] == [
        "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    net.summary()
    out = capsys.readouterr().out
    assert "dense (Dense)                multiple                  18" in out
    assert "Total params: 22" in out
    net.d1.trainable = False
    assert len(net.trainable_variables) == 2 and len(net.non_trainable_variables) == 2


def test_subclass_without_super_init_is_a_clear_error():
    class Bad(keras.Model):
        def __init__(self):
            self.d = L.Dense(1)

    with pytest.raises(RuntimeError, match="forgot to call `super"):
        Bad()


def test_activations_by_name_and_function():
    x = rand(3, 4)
    for name, ref in [("relu", lambda v: np.maximum(v, 0)), ("sigmoid",
                      lambda v: 1 / (1 + np.exp(-v))), ("tanh", np.tanh), ("linear",
                      lambda v: v), ("softplus", lambda v: np.log1p(np.exp(v))),
                      ("elu", lambda v: np.where(v > 0, v, np.exp(v) - 1))]:
        np.testing.assert_allclose(keras.activations.get(name)(x).numpy() if name != "linear"
                                   else x, ref(x), rtol=1e-5, atol=1e-6)
    assert keras.activations.serialize(tf.nn.relu) == "relu"
    assert keras.activations.get(tf.nn.relu) is keras.activations.relu
    with pytest.raises(ValueError, match="Unknown activation"):
        L.Dense(1, activation="nope")


def test_layer_configs_round_trip():
    for layer in [L.Dense(3, activation="relu", use_bias=False), L.Conv2D(2, (3, 1), 2, "same"),
                  L.MaxPooling2D(3), L.Dropout(0.2), L.Reshape((2, 3)), L.Flatten(),
                  L.BatchNormalization(momentum=0.9), L.Embedding(5, 2),
                  L.Activation("tanh")]:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config


def test_seed_tour_snippets_are_the_seed_text():
    """examples/seed_tour.py runs the seed's own snippets: each line of each is a line of
    the seed (whose text lost its indentation), in order."""
    import pathlib
    import sys
    root = pathlib.Path(__file__).resolve().parents[1]
    seed = root.parent / "shared" / "seed" / "tf2-explainer.txt"
    if not seed.exists():
        pytest.skip("the seed text (../shared/seed/tf2-explainer.txt) is not beside the repo")
    text = seed.read_text().replace("import tensorflow as tf", "import lamina as tf")
    seed_lines = [line.strip().strip("`").strip() for line in text.splitlines()]
    sys.path.insert(0, str(root / "examples"))
    try:
        import seed_tour
    finally:
        sys.path.pop(0)
    added = {"dy_dx, d2y_dx2"}  # shows the values of the snippet before, as the seed does
    for _, code in seed_tour.SNIPPETS:
        position = 0
        for line in code.strip("\n").splitlines():
            line = line.strip()
            if line in added:
                continue
            assert line in seed_lines[position:], line
            position = seed_lines.index(line, position)
