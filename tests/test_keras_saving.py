"""lamina.keras saving (save_weights/load_weights, model.save/load_model: exact round trips,
clear errors for truncated and foreign files) and keras.datasets.mnist.load_data."""

import json

import numpy as np
import pytest

import lamina as tf
from lamina import keras
from lamina.keras import layers as L
from lamina.keras.datasets import mnist


@pytest.fixture(autouse=True)
def fresh():
    keras.backend.clear_session()
    tf.random.set_seed(5)
    yield


def sequential():
    return keras.Sequential([L.Reshape((4, 4, 1), input_shape=(4, 4)),
                             L.Conv2D(2, 3, padding="same", activation="relu"),
                             L.MaxPooling2D(2), L.Flatten(), L.BatchNormalization(),
                             L.Dense(3, activation="softmax")])


X = np.random.default_rng(0).standard_normal((8, 4, 4)).astype(np.float32)
Y = np.arange(8) % 3


def test_save_and_load_weights_round_trip_exactly(tmp_path):
    a, b = sequential(), sequential()
    path = tmp_path / "weights.anything"
    a.save_weights(path)
    assert path.exists()  # written at exactly the path given
    b.load_weights(path)
    for x, y in zip(a.get_weights(), b.get_weights()):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    a.run_eagerly = b.run_eagerly = True  # (staged predict is tested in test_keras_training)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    with np.load(path) as f:  # the documented format
        header = json.loads(str(f["__lamina_keras__"]))
        assert header["format"] == "lamina.keras.weights"
        assert [w["name"] for w in header["weights"]][:2] == ["conv2d/kernel:0",
                                                              "conv2d/bias:0"]
        np.testing.assert_array_equal(f["weight_0000"], a.weights[0].numpy())


def test_load_weights_errors(tmp_path):
    model = sequential()
    path = tmp_path / "w.npz"
    model.save_weights(path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match="truncated"):
        model.load_weights(truncated)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a lamina.keras file"):
        model.load_weights(foreign)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ValueError, match="truncated, damaged, or not a lamina.keras file"):
        model.load_weights(junk)
    with pytest.raises(FileNotFoundError, match="no such file"):
        model.load_weights(tmp_path / "missing.npz")
    other = keras.Sequential([L.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="has 2 weight weights|weights, model"):
        other.load_weights(path)
    with pytest.raises(ValueError, match="not built"):
        keras.Sequential([L.Dense(2)]).save_weights(tmp_path / "x.npz")


def test_model_save_and_load_model(tmp_path):
    model = sequential()
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"], run_eagerly=True)
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is keras.Sequential and loaded.name == model.name
    assert [x.name for x in loaded.layers] == [x.name for x in model.layers]
    for x, y in zip(model.get_weights(), loaded.get_weights()):
        assert np.array_equal(x, y)
    loaded.run_eagerly = True  # as `model`: the same kernels, the same bits
    np.testing.assert_array_equal(model.predict(X), loaded.predict(X))
    # the optimizer's state comes back: training goes on identically
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    for x, y in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights()):
        assert np.array_equal(x, y)
    tf.random.set_seed(9)
    model.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    tf.random.set_seed(9)
    loaded.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for x, y in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(x, y, rtol=1e-6)
    with pytest.raises(ValueError, match="weights only"):
        model.save_weights(tmp_path / "w.npz")
        keras.models.load_model(tmp_path / "w.npz")


def test_functional_and_shared_layers_round_trip(tmp_path):
    inp = keras.Input(shape=(5,))
    shared = L.Dense(4, activation="tanh")
    h = shared(inp)
    out = L.Dense(2)(shared(L.Dense(5)(h)))
    model = keras.Model(inp, [out, h])
    path = tmp_path / "f.npz"
    model.save(path)
    loaded = keras.models.load_model(path)
    model.run_eagerly = loaded.run_eagerly = True
    x = np.random.default_rng(1).standard_normal((3, 5)).astype(np.float32)
    for a, b in zip(model.predict(x), loaded.predict(x)):
        np.testing.assert_array_equal(a, b)
    assert len(loaded.weights) == len(model.weights) == 6


def test_subclassed_model_save_is_a_clear_error(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1)

        def call(self, x):
            return self.d(x)

    net = Net()
    net(np.ones((1, 2), np.float32))
    with pytest.raises(NotImplementedError, match="save_weights"):
        net.save(tmp_path / "n.npz")
    net.save_weights(tmp_path / "n.npz")
    net.load_weights(tmp_path / "n.npz")


# -- datasets ---------------------------------------------------------------------------------

def write_mnist(path, n=5):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 255, (n, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, n, dtype=np.uint8),
              "x_test": rng.integers(0, 255, (2, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 2, dtype=np.uint8)}
    np.savez_compressed(path, **arrays)
    return arrays


def test_mnist_from_a_path_and_from_the_keras_cache(tmp_path, monkeypatch):
    want = write_mnist(tmp_path / "my.npz")
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=str(tmp_path / "my.npz"))
    assert x_train.dtype == np.uint8 and x_train.shape == (5, 28, 28)
    np.testing.assert_array_equal(y_test, want["y_test"])
    home = tmp_path / "kerashome"
    (home / "datasets").mkdir(parents=True)
    write_mnist(home / "datasets" / "mnist.npz", n=3)
    monkeypatch.setenv("KERAS_HOME", str(home))
    (x_train, _), _ = tf.keras.datasets.mnist.load_data()
    assert x_train.shape == (3, 28, 28)


def test_mnist_missing_without_network_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty"))

    def no_network(url, dest, timeout=30):
        raise OSError("network is unreachable")
    monkeypatch.setattr(mnist, "_download", no_network)
    with pytest.raises(FileNotFoundError) as e:
        mnist.load_data()
    msg = str(e.value)
    assert str(tmp_path / "empty" / "datasets" / "mnist.npz") in msg
    assert "network is unreachable" in msg and "load_data(path=" in msg
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros(2))
    with pytest.raises(ValueError, match="not Keras's mnist.npz"):
        mnist.load_data(str(bad))
