"""lamina.keras training: compile/fit/evaluate/predict, staged and eager, History, callbacks,
the progress bar, and the seed's two models (section V of the seed)."""

import io
import re

import numpy as np
import pytest

import lamina as tf
from lamina import keras
from lamina.keras import layers as L


@pytest.fixture(autouse=True)
def fresh():
    keras.backend.clear_session()
    tf.random.set_seed(3)
    yield


def toy_problem(n=192, d=4, classes=3, seed=0):
    """A learnable classification problem: the label is the argmax of a linear map."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w = rng.standard_normal((d, classes))
    return x, (x @ w).argmax(1).astype(np.int32)


def mlp(classes=3):
    return keras.Sequential([L.Dense(16, activation="relu", input_shape=(4,)),
                             L.Dense(classes, activation="softmax")])


# -- fit ------------------------------------------------------------------------------------

@pytest.mark.parametrize("run_eagerly", [False, True])
def test_fit_learns_and_history_keys(run_eagerly, capsys):
    x, y = toy_problem()
    model = mlp()
    model.compile(optimizer=keras.optimizers.Adam(0.02),
                  loss=keras.losses.sparse_categorical_crossentropy, metrics=["accuracy"],
                  run_eagerly=run_eagerly)
    # 144 training and 48 validation samples: one batch shape each, so one trace each
    history = model.fit(x, y, batch_size=48, epochs=5, validation_split=0.25, verbose=2)
    assert isinstance(history, keras.callbacks.History) and model.history is history
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert history.epoch == [0, 1, 2, 3, 4]
    if not run_eagerly:
        assert model._train_function.experimental_get_tracing_count() == 1
    losses = history.history["loss"]
    assert losses[-1] < 0.7 * losses[0]
    assert history.history["accuracy"][-1] > 0.8
    loss, acc = model.evaluate(x, y, batch_size=48, verbose=0)
    assert acc > 0.8
    out = capsys.readouterr().out
    # verbose=2: one line per epoch, no bar
    lines = [line for line in out.splitlines() if line.startswith("3/3")]
    assert len(lines) == 5 and "val_loss:" in lines[0]
    preds = model.predict(x[:10], batch_size=10)
    assert preds.shape == (10, 3)
    np.testing.assert_allclose(preds, model(x[:10]).numpy(), rtol=1e-5, atol=1e-6)


def test_staged_step_matches_eager_step():
    """Staged and eager training from the same weights give the same weights (no dropout:
    deterministic); the staged step traces once per batch shape (16, then 8)."""
    x, y = toy_problem(40)
    models = []
    for run_eagerly in (False, True):
        keras.backend.clear_session()
        tf.random.set_seed(7)
        m = mlp()
        m.compile(keras.optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy",
                  run_eagerly=run_eagerly)
        m.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        models.append(m)
    assert models[0]._train_function.experimental_get_tracing_count() == 2
    for a, b in zip(*(m.get_weights() for m in models)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_validation_data_shuffle_and_uint8_inputs():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 255, (64, 4)).astype(np.uint8)
    y = (x.astype(np.float32) @ np.array([1, -1, 1, -1.0]) > 0).astype(np.float32)
    model = keras.Sequential([L.Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(keras.optimizers.RMSprop(0.01), "binary_crossentropy",
                  metrics=["accuracy", "mse"], run_eagerly=True)
    h = model.fit(x, y, epochs=2, batch_size=16, validation_data=(x[:16], y[:16]),
                  verbose=0)
    assert list(h.history) == ["loss", "accuracy", "mse", "val_loss", "val_accuracy",
                               "val_mse"]
    assert model.metrics_names == ["loss", "accuracy", "mse"]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy", "mse"}
    # labels (n,) against predictions (n, 1): compared sample by sample, as Keras
    # (and from the sigmoid's logits: exact where the probabilities saturate)
    kernel, bias = model.get_weights()
    z = (x.astype(np.float64) @ kernel + bias)[:, 0]
    p = 1 / (1 + np.exp(-z))
    bce = (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).mean()
    assert logs["loss"] == pytest.approx(bce, rel=1e-4, abs=1e-5)
    assert logs["accuracy"] == pytest.approx(((p > 0.5) == y).mean())
    assert logs["mse"] == pytest.approx(((p - y) ** 2).mean(), rel=1e-4)


def test_fit_errors():
    model = mlp()
    x, y = toy_problem(8)
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(x, y)
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(x, y[:5], verbose=0)


# -- callbacks --------------------------------------------------------------------------------

def test_early_stopping_and_lambda_callback():
    x, y = toy_problem(32)
    model = mlp()
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy",
                  run_eagerly=True)
    seen = []
    cb = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((epoch, sorted(logs))),
        on_train_end=lambda logs: seen.append("end"))
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=2)
    h = model.fit(x, y, epochs=10, verbose=0, callbacks=[stop, cb], shuffle=False)
    # lr 0: the loss never improves after the first epoch: stops at epoch index 2
    assert len(h.history["loss"]) == 3 and stop.stopped_epoch == 2
    assert seen == [(0, ["loss"]), (1, ["loss"]), (2, ["loss"]), "end"]


def test_model_checkpoint(tmp_path):
    x, y = toy_problem(32)
    model = mlp()
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  run_eagerly=True)
    pattern = str(tmp_path / "w-{epoch:02d}-{loss:.3f}.npz")
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(pattern, monitor="loss",
                                                         save_weights_only=True)])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and re.fullmatch(r"w-02-\d\.\d{3}\.npz", files[1])
    best = str(tmp_path / "best.npz")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(
        best, monitor="loss", save_best_only=True)])
    clone = keras.models.load_model(best)
    assert len(clone.weights) == 4


# -- the progress bar ----------------------------------------------------------------------------

def test_progbar_line_format():
    out = io.StringIO()
    bar = keras.utils.Progbar(1875, stream=out, dynamic_display=False,
                              stateful_metrics=["loss", "accuracy"])
    for step in range(1, 1876):
        bar.update(step, [("loss", 0.3417), ("accuracy", 0.9495)], finalize=False)
    bar.update(1875, [("loss", 0.3417), ("accuracy", 0.9495)], finalize=True)
    line = out.getvalue()
    assert line.count("\n") == 1
    assert re.fullmatch(r"1875/1875 \[={30}\] - \d+s \d+(us|ms|s)/step - loss: 0\.3417 - "
                        r"accuracy: 0\.9495\n", line), line


def test_progbar_in_place_on_a_terminal():
    out = io.StringIO()
    bar = keras.utils.Progbar(10, stream=out, dynamic_display=True, interval=0,
                              stateful_metrics=["loss"])
    for step in range(1, 11):
        bar.update(step, [("loss", 1.0 / step)], finalize=False)
    bar.update(10, [("loss", 0.1)], finalize=True)
    text = out.getvalue()
    assert text.count("\r") == 11 and text.endswith("\n") and text.count("\n") == 1
    assert " 5/10 [==============>...............] - ETA: " in text
    assert re.search(r"10/10 \[={30}\] - \d+s \d+\w+/step - loss: 0\.1000", text)
    assert "loss: 1.0000e-01" not in text


def test_fit_prints_keras_lines(capsys):
    x, y = toy_problem(64)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  run_eagerly=True)
    model.fit(x, y, epochs=2, batch_size=32)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2" and len(out) == 4
    assert re.fullmatch(r"2/2 \[={30}\] - \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - "
                        r"accuracy: \d\.\d{4}", out[1]), out[1]
    model.evaluate(x, y)
    line = capsys.readouterr().out.strip()
    assert re.fullmatch(r"2/2 \[={30}\] - \d+s \d+\w+/step - loss: \d\.\d{4} - "
                        r"accuracy: \d\.\d{4}", line), line


# -- the seed's models --------------------------------------------------------------------------

def seed_models():
    input_shape, data_format = [28, 28, 1], "channels_last"
    max_pool = L.MaxPooling2D((2, 2), (2, 2), padding="same", data_format=data_format)
    sequential = keras.Sequential([
        L.Reshape(target_shape=input_shape, input_shape=[28, 28]),
        L.Conv2D(32, 5, padding="same", data_format=data_format, activation=tf.nn.relu),
        max_pool,
        L.Conv2D(64, 5, padding="same", data_format=data_format, activation=tf.nn.relu),
        max_pool,
        L.Flatten(),
        L.Dense(1024, activation=tf.nn.relu),
        L.Dropout(0.3),
        L.Dense(10, activation=tf.nn.softmax)])

    class ConvNet(keras.Model):
        def __init__(self, input_shape, data_format):
            super(ConvNet, self).__init__()
            self.reshape = L.Reshape(target_shape=input_shape, input_shape=[28, 28])
            self.conv1 = L.Conv2D(32, 5, padding="same", data_format=data_format,
                                  activation=tf.nn.relu)
            self.pool = L.MaxPooling2D((2, 2), (2, 2), padding="same", data_format=data_format)
            self.conv2 = L.Conv2D(64, 5, padding="same", data_format=data_format,
                                  activation=tf.nn.relu)
            self.flt = L.Flatten()
            self.d1 = L.Dense(1024, activation=tf.nn.relu)
            self.dropout = L.Dropout(0.3)
            self.d2 = L.Dense(10, activation=tf.nn.softmax)

        def call(self, x):
            x = self.reshape(x)
            x = self.conv1(x)
            x = self.pool(x)
            x = self.conv2(x)
            x = self.pool(x)
            x = self.flt(x)
            x = self.d1(x)
            x = self.dropout(x)
            return self.d2(x)

    return sequential, ConvNet(input_shape, data_format)


@pytest.mark.parametrize("which", [0, 1])
def test_seed_models_fit_one_tiny_epoch(which, capsys):
    """Section V as written: compile with tf.optimizers.Adam(), tf.losses.sparse_categorical_
    crossentropy and metrics=['accuracy']; fit uint8 images (eagerly here: the staged CNN step
    is exercised by examples/ and benchmarks/, whose compile takes tens of seconds)."""
    model = seed_models()[which]
    rng = np.random.default_rng(which)
    x = rng.integers(0, 255, (4, 28, 28)).astype(np.uint8)
    y = rng.integers(0, 10, 4).astype(np.uint8)
    model.compile(optimizer=tf.optimizers.Adam(),
                  loss=tf.losses.sparse_categorical_crossentropy, metrics=["accuracy"],
                  run_eagerly=True)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=1, batch_size=4)
    assert list(history.history) == ["loss", "accuracy"]
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert re.fullmatch(r"1/1 \[={30}\] - \d+s \d+\w+/step - loss: \d+\.\d{4} - "
                        r"accuracy: \d\.\d{4}(e[+-]\d\d)?\n", capsys.readouterr().out)
    assert model.count_params() == 3274634


def test_small_cnn_learns_staged():
    """The seed's layer kinds (Reshape, Conv2D, MaxPooling2D, Flatten, Dense, Dropout) and
    BatchNormalization, on 8x8 images, staged: the loss falls on a learnable problem (bright
    top half or not)."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 100, (96, 8, 8)).astype(np.uint8)
    y = rng.integers(0, 2, 96)
    x[y == 1, :4] += 120
    model = keras.Sequential([
        L.Reshape((8, 8, 1), input_shape=(8, 8)),
        L.Conv2D(4, 3, padding="same", activation="relu"),
        L.BatchNormalization(),
        L.MaxPooling2D((2, 2), (2, 2), padding="same"),
        L.Flatten(),
        L.Dropout(0.1),
        L.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    h = model.fit(x / 255.0, y, epochs=8, batch_size=32, verbose=0)
    assert h.history["loss"][-1] < 0.6 * h.history["loss"][0]
    assert h.history["accuracy"][-1] > 0.9
    bn = model.layers[2]
    assert np.abs(bn.moving_mean.numpy()).max() > 0  # updated inside the staged step
