"""lamina.keras optimizers (update rules against numpy formulas, given gradients), learning-rate
schedules, losses and metrics against numpy."""

import numpy as np
import pytest

import lamina as tf
from lamina import keras

RNG = np.random.default_rng(0)


def grads_sequence(shape, n):
    return [RNG.standard_normal(shape).astype(np.float32) for _ in range(n)]


def run_optimizer(opt, w0, grads):
    v = tf.Variable(w0.copy())
    for g in grads:
        opt.apply_gradients([(tf.constant(g), v)])
    return v.numpy()


def np_sgd(w, grads, lr, momentum=0.0, nesterov=False):
    w = w.astype(np.float64)
    vel = np.zeros_like(w)
    for g in grads:
        if not momentum:
            w = w - lr * g
            continue
        vel = momentum * vel - lr * g
        w = w + (momentum * vel - lr * g if nesterov else vel)
    return w


def np_adam(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    w = w.astype(np.float64)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    vhat = np.zeros_like(w)
    for t, g in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        if amsgrad:
            vhat = np.maximum(vhat, v)
            w = w - lr_t * m / (np.sqrt(vhat) + eps)
        else:
            w = w - lr_t * m / (np.sqrt(v) + eps)
    return w


def np_rmsprop(w, grads, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    w = w.astype(np.float64)
    ms = np.zeros_like(w)
    mg = np.zeros_like(w)
    mom = np.zeros_like(w)
    for g in grads:
        ms = rho * ms + (1 - rho) * g * g
        denom = ms
        if centered:
            mg = rho * mg + (1 - rho) * g
            denom = ms - mg * mg
        if momentum:
            mom = momentum * mom + lr * g / np.sqrt(denom + eps)
            w = w - mom
        else:
            w = w - lr * g / (np.sqrt(denom) + eps)
    return w


W0 = RNG.standard_normal((3, 4)).astype(np.float32)
GRADS = grads_sequence((3, 4), 5)


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9}, {"momentum": 0.5, "nesterov": True}])
def test_sgd(kwargs):
    got = run_optimizer(keras.optimizers.SGD(0.1, **kwargs), W0, GRADS)
    np.testing.assert_allclose(got, np_sgd(W0, GRADS, 0.1, **kwargs), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"learning_rate": 0.01, "beta_1": 0.8},
                                    {"amsgrad": True}])
def test_adam(kwargs):
    got = run_optimizer(keras.optimizers.Adam(**kwargs), W0, GRADS)
    ref = {"learning_rate": "lr", "beta_1": "b1"}
    want = np_adam(W0, GRADS, **{ref.get(k, k): v for k, v in kwargs.items()})
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.9}, {"centered": True}])
def test_rmsprop(kwargs):
    got = run_optimizer(keras.optimizers.RMSprop(0.01, **kwargs), W0, GRADS)
    np.testing.assert_allclose(got, np_rmsprop(W0, GRADS, 0.01, **kwargs), rtol=1e-4,
                               atol=1e-6)


def test_optimizer_state_and_iterations():
    opt = keras.optimizers.Adam()
    v = tf.Variable(W0.copy())
    opt.apply_gradients([(tf.constant(GRADS[0]), v)])
    assert int(opt.iterations.numpy()) == 1
    assert [x.name for x in opt.variables()][1:] == ["Variable/m:0", "Variable/v:0"]
    np.testing.assert_allclose(opt.get_slot(v, "m").numpy(), 0.1 * GRADS[0], rtol=1e-6)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(None, tf.Variable(1.0)), (tf.constant(GRADS[1]), v)])
    assert keras.optimizers.get("sgd").get_config()["learning_rate"] == pytest.approx(0.01)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate.numpy()) == 0.5


def test_exponential_decay_schedule():
    sched = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    stair = keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True)
    for step in range(5):
        assert float(sched(step)) == pytest.approx(0.1 * 0.5 ** (step / 2), rel=1e-6)
        assert float(stair(step)) == pytest.approx(0.1 * 0.5 ** (step // 2), rel=1e-6)
    got = run_optimizer(keras.optimizers.SGD(sched), W0, GRADS)
    w = W0.astype(np.float64)
    for t, g in enumerate(GRADS):
        w = w - 0.1 * 0.5 ** (t / 2) * g
    np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)


def test_staged_apply_gradients_equals_eager():
    opt_e, opt_s = keras.optimizers.Adam(0.01), keras.optimizers.Adam(0.01)
    ve, vs = tf.Variable(W0.copy()), tf.Variable(W0.copy())

    @tf.function
    def step(g):
        opt_s.apply_gradients([(g, vs)])

    for g in GRADS[:3]:
        opt_e.apply_gradients([(tf.constant(g), ve)])
        step(tf.constant(g))
    np.testing.assert_allclose(vs.numpy(), ve.numpy(), rtol=1e-5, atol=1e-7)
    assert int(opt_s.iterations.numpy()) == 3


# -- losses ---------------------------------------------------------------------------------

def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


LOGITS = RNG.standard_normal((6, 5)).astype(np.float32)
PROBS = softmax(LOGITS).astype(np.float32)
LABELS = RNG.integers(0, 5, 6)


def test_sparse_categorical_crossentropy():
    want = -np.log(PROBS[np.arange(6), LABELS])
    L = keras.losses
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(LABELS, PROBS).numpy(), want,
                               rtol=1e-5)
    np.testing.assert_allclose(
        L.sparse_categorical_crossentropy(LABELS, LOGITS, from_logits=True).numpy(), want,
        rtol=1e-5)
    np.testing.assert_allclose(
        L.sparse_categorical_crossentropy(LABELS.astype(np.uint8)[:, None], PROBS).numpy(),
        want, rtol=1e-5)
    assert float(L.SparseCategoricalCrossentropy()(LABELS, PROBS)) == pytest.approx(
        want.mean(), rel=1e-5)
    w = np.arange(6, dtype=np.float32)
    assert float(L.SparseCategoricalCrossentropy(from_logits=True)(LABELS, LOGITS, w)) == \
        pytest.approx((want * w).mean(), rel=1e-5)
    assert tf.losses.sparse_categorical_crossentropy is L.sparse_categorical_crossentropy
    # probabilities of Keras's softmax are computed from its logits: exact where they
    # saturate, with a gradient (here, -log(softmax) = 1000 - (-1000) exactly)
    big = tf.constant([[1000.0, -1000.0]])
    assert float(L.sparse_categorical_crossentropy([1], keras.activations.softmax(big))[0]) == \
        pytest.approx(2000.0)
    with tf.GradientTape() as tape:
        tape.watch(big)
        loss = L.sparse_categorical_crossentropy([1], keras.activations.softmax(big))
    np.testing.assert_allclose(tape.gradient(loss, big).numpy(), [[1.0, -1.0]], atol=1e-6)
    # other probabilities are clipped to [1e-7, 1 - 1e-7], as Keras's
    p = np.array([[1.0, 0.0]], np.float32)
    assert float(L.sparse_categorical_crossentropy([1], p)[0]) == pytest.approx(
        -np.log(1e-7) + np.log(1 - 1e-7 + 1e-7), rel=1e-4)


def test_categorical_binary_mse_losses():
    onehot = np.eye(5, dtype=np.float32)[LABELS]
    L = keras.losses
    np.testing.assert_allclose(L.categorical_crossentropy(onehot, PROBS).numpy(),
                               -np.log(PROBS[np.arange(6), LABELS]), rtol=1e-5)
    np.testing.assert_allclose(L.categorical_crossentropy(onehot, LOGITS, from_logits=True)
                               .numpy(), -np.log(PROBS[np.arange(6), LABELS]), rtol=1e-5)
    y = (RNG.random((6, 3)) > 0.5).astype(np.float32)
    z = RNG.standard_normal((6, 3)).astype(np.float32)
    p = 1 / (1 + np.exp(-z))
    want = -(y * np.log(p + 1e-7) + (1 - y) * np.log(1 - p + 1e-7)).mean(-1)
    np.testing.assert_allclose(L.binary_crossentropy(y, p).numpy(), want, rtol=1e-4)
    np.testing.assert_allclose(L.BinaryCrossentropy(from_logits=True, reduction="none")(y, z)
                               .numpy(), want, rtol=1e-4)
    np.testing.assert_allclose(L.mse(y, z).numpy(), ((y - z) ** 2).mean(-1), rtol=1e-5)
    assert float(L.MeanSquaredError(reduction="sum")(y, z)) == pytest.approx(
        ((y - z) ** 2).mean(-1).sum(), rel=1e-5)
    assert float(L.MeanAbsoluteError()(y, z)) == pytest.approx(np.abs(y - z).mean(), rel=1e-5)
    with pytest.raises(ValueError, match="Unknown loss"):
        L.get("nope")


# -- metrics --------------------------------------------------------------------------------

def test_accuracy_metrics():
    M = keras.metrics
    want = (PROBS.argmax(-1) == LABELS).astype(np.float32)
    np.testing.assert_array_equal(M.sparse_categorical_accuracy(LABELS, PROBS).numpy(), want)
    np.testing.assert_array_equal(
        M.categorical_accuracy(np.eye(5)[LABELS].astype(np.float32), PROBS).numpy(), want)
    y = np.array([[1.0], [0.0], [1.0]], np.float32)
    p = np.array([[0.7], [0.6], [0.2]], np.float32)
    np.testing.assert_array_equal(M.binary_accuracy(y, p).numpy(), [1, 0, 0])
    m = M.SparseCategoricalAccuracy()
    m.update_state(LABELS[:3], PROBS[:3])
    m.update_state(LABELS[3:], PROBS[3:])
    assert float(m.result()) == pytest.approx(want.mean())
    m.reset_state()
    assert float(m.result()) == 0.0


def test_mean_metric_weighted():
    m = keras.metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state([10.0], sample_weight=[3.0])
    assert float(m.result()) == pytest.approx((6 + 30) / 6)
    assert m.name == "mean" and keras.metrics.Accuracy().name == "accuracy"


def test_to_categorical():
    y = np.array([[2], [0], [1]])
    np.testing.assert_array_equal(keras.utils.to_categorical(y), np.eye(3)[[2, 0, 1]])
    assert keras.utils.to_categorical([1, 3], num_classes=5).shape == (2, 5)
