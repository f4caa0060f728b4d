"""The seed's CNN (section V) training at batch 32: samples per second and the projected
seconds for one epoch of 60,000 MNIST-shaped samples, lamina beside TensorFlow and PyTorch
when they are importable (run in the same process, on the same machine, on the same data).

    python benchmarks/keras_cnn.py                 # 40 timed steps after 2 warm-up steps
    python benchmarks/keras_cnn.py --steps 100 --threads 16
    python benchmarks/keras_cnn.py --eager         # lamina's step run eagerly, not staged

What is timed, for each framework: the training step alone (forward, loss, gradient, Adam
update, the accuracy metric) on a fixed batch, best of `--repeat` rounds of `--steps` steps;
and `model.fit` over `--fit-steps` batches with its progress bar off, which adds the per-batch
costs of the training loop (slicing and converting the batch, reading the metrics). The first
steps (tracing, compiling) are reported apart as `first step` and never counted in the rates.
Images are uint8 28x28 and labels uint8, as the seed feeds them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

EPOCH = 60000
BATCH = 32


def data(n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, n).astype(np.uint8))


def report(name, first, step_s, fit_s):
    rate = BATCH / step_s
    line = (f"{name:<22} first step {first:7.1f} s   step {step_s * 1e3:8.1f} ms   "
            f"{rate:8.0f} samples/s   epoch (projected) {EPOCH / rate:7.0f} s")
    if fit_s is not None:
        line += f"   in fit: {BATCH / fit_s:6.0f} samples/s, epoch {EPOCH / BATCH * fit_s:6.0f} s"
    print(line, flush=True)
    return rate


def best_round(step, steps, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - start) / steps)
    return best


def timed_fit(model_fit, x, y, steps):
    """Seconds per batch of fit over `steps` batches (after a fit that warmed it up)."""
    n = steps * BATCH
    start = time.perf_counter()
    model_fit(x[:n], y[:n])
    return (time.perf_counter() - start) / steps


# -- lamina ------------------------------------------------------------------------------------

def bench_lamina(args, x, y):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                    "examples"))
    import lamina as tf
    from mnist_cnn import seed_cnn
    tf.random.set_seed(0)
    model = seed_cnn()
    model.compile(optimizer=tf.optimizers.Adam(), loss=tf.losses.sparse_categorical_crossentropy,
                  metrics=["accuracy"], run_eagerly=args.eager)
    step = model.make_train_function()
    bx = tf.constant(x[:BATCH].astype(np.float32))
    by = tf.constant(y[:BATCH])
    start = time.perf_counter()
    step(bx, by)["loss"].numpy()
    first = time.perf_counter() - start
    for _ in range(args.warmup - 1):
        step(bx, by)

    def one():
        step(bx, by)["loss"].numpy()
    step_s = best_round(one, args.steps, args.repeat)
    fit_s = None
    if args.fit_steps:
        def fit(fx, fy):
            model.fit(fx, fy, batch_size=BATCH, epochs=1, verbose=0, shuffle=True)
        fit(x[:BATCH], y[:BATCH])
        fit_s = timed_fit(fit, x, y, args.fit_steps)
    return report("lamina" + (" (eager)" if args.eager else ""), first, step_s, fit_s)


# -- TensorFlow ------------------------------------------------------------------------------

def bench_tensorflow(args, x, y):
    import tensorflow as tf
    tf.random.set_seed(0)
    max_pool = tf.keras.layers.MaxPooling2D((2, 2), (2, 2), padding="same")
    model = tf.keras.Sequential([
        tf.keras.layers.Reshape(target_shape=[28, 28, 1], input_shape=[28, 28]),
        tf.keras.layers.Conv2D(32, 5, padding="same", activation=tf.nn.relu), max_pool,
        tf.keras.layers.Conv2D(64, 5, padding="same", activation=tf.nn.relu), max_pool,
        tf.keras.layers.Flatten(), tf.keras.layers.Dense(1024, activation=tf.nn.relu),
        tf.keras.layers.Dropout(0.3), tf.keras.layers.Dense(10, activation=tf.nn.softmax)])
    model.compile(optimizer=tf.keras.optimizers.Adam(),
                  loss=tf.keras.losses.sparse_categorical_crossentropy, metrics=["accuracy"])
    bx, by = x[:BATCH].astype(np.float32), y[:BATCH]
    start = time.perf_counter()
    model.train_on_batch(bx, by)
    first = time.perf_counter() - start
    step_s = best_round(lambda: model.train_on_batch(bx, by), args.steps, args.repeat)
    fit_s = None
    if args.fit_steps:
        def fit(fx, fy):
            model.fit(fx, fy, batch_size=BATCH, epochs=1, verbose=0)
        fit(x[:BATCH], y[:BATCH])
        fit_s = timed_fit(fit, x, y, args.fit_steps)
    return report(f"TensorFlow {tf.__version__}", first, step_s, fit_s)


# -- PyTorch ---------------------------------------------------------------------------------

def bench_torch(args, x, y):
    import torch
    from torch import nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(7 * 7 * 64, 1024), nn.ReLU(), nn.Dropout(0.3), nn.Linear(1024, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    bx = torch.tensor(x[:BATCH], dtype=torch.float32).unsqueeze(1)
    by = torch.tensor(y[:BATCH], dtype=torch.int64)

    def one():
        opt.zero_grad()
        out = model(bx)
        loss = nn.functional.cross_entropy(out, by)
        loss.backward()
        opt.step()
        (out.argmax(1) == by).float().mean().item()
    start = time.perf_counter()
    one()
    first = time.perf_counter() - start
    return report(f"PyTorch {torch.__version__} (eager)", first,
                  best_round(one, args.steps, args.repeat), None)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--fit-steps", type=int, default=40,
                   help="batches of the timed model.fit (0: skip)")
    p.add_argument("--eager", action="store_true", help="lamina's step run eagerly")
    p.add_argument("--only", choices=["lamina", "tensorflow", "torch"])
    args = p.parse_args(argv)
    x, y = data(max(args.fit_steps, 1) * BATCH)
    print(f"the seed's CNN, batch {BATCH}, Adam, uint8 28x28 inputs; projected epoch = "
          f"{EPOCH} samples; {os.cpu_count()} CPUs\n", flush=True)
    rates = {}
    for name, fn, module in (("lamina", bench_lamina, None),
                             ("tensorflow", bench_tensorflow, "tensorflow"),
                             ("torch", bench_torch, "torch")):
        if args.only and args.only != name:
            continue
        if module is not None:
            try:
                __import__(module)
            except ImportError:
                print(f"{name:<22} not installed: skipped")
                continue
        rates[name] = fn(args, x, y)
    if "lamina" in rates and len(rates) > 1:
        print()
        for name, rate in rates.items():
            if name != "lamina":
                print(f"lamina / {name}: {rates['lamina'] / rate:.2f}x the samples per second")


if __name__ == "__main__":
    main()
