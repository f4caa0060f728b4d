"""Autodiff costs (issue 5's Measure section), with peers where installed.

    python benchmarks/autodiff.py            # full
    python benchmarks/autodiff.py --quick    # fewer rounds

What is measured:
  d2          the second derivative of a scalar by nested tapes, x = 3.0, y = x * x
              (the seed's section IV), µs per evaluation: eagerly, and staged (the nested
              tapes inside one `function`, called on an eager scalar). Beside it, one eager
              `x * x` (the floor of one op, to see this machine's load).
  mlp         one SGD training step of an MLP 784-256-10 (relu, softmax cross-entropy, batch
              128), staged as one `function` whose gradient comes from a GradientTape traced
              inside it (the autodiff pass's rules), steps per second; and the same step eager.
Peers (PyTorch eager, JAX jit, TensorFlow eager/staged) run the same computations when they
can be imported. Each row reports its best round (noise only ever adds time).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def best_us(fn, number, rounds, clock=time.perf_counter):
    """The best round's µs per call of fn(), by `clock`."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        t = clock()
        for _ in range(number):
            fn()
        best = min(best, (clock() - t) / number)
    return best * 1e6


def timing(fn, number, rounds):
    """'wall µs (CPU µs)': the CPU time of this process leaves out the time other processes
    of a loaded machine take from it."""
    return (f"{best_us(fn, number, rounds):8.1f} "
            f"({best_us(fn, number, rounds, time.process_time):6.1f} CPU)")


# -- lamina ---------------------------------------------------------------------------------------

def lamina_d2():
    import lamina as tf
    x = tf.constant(3.0)

    def d2(x):
        with tf.GradientTape() as t1:
            with tf.GradientTape() as t2:
                t1.watch(x)
                t2.watch(x)
                y = x * x
            dy_dx = t2.gradient(y, x)
        return t1.gradient(dy_dx, x)

    staged = tf.function(d2)
    assert float(d2(x)) == 2.0 and float(staged(x)) == 2.0
    return (lambda: x * x), (lambda: d2(x)), (lambda: staged(x))


def mlp_data(rng):
    params = [rng.normal(0, 0.05, (784, 256)).astype(np.float32), np.zeros(256, np.float32),
              rng.normal(0, 0.05, (256, 10)).astype(np.float32), np.zeros(10, np.float32)]
    x = rng.normal(0, 1, (128, 784)).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 128)]
    return params, x, labels


def lamina_mlp(params, x, labels, lr=0.01):
    import lamina as tf
    ws = [tf.Variable(p) for p in params]
    x, labels = tf.constant(x), tf.constant(labels)

    def step(x, labels):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, ws[0]) + ws[1])
            logits = tf.matmul(h, ws[2]) + ws[3]
            loss = -tf.reduce_mean(tf.reduce_sum(labels * tf.nn.log_softmax(logits), axis=-1))
        for w, g in zip(ws, tape.gradient(loss, ws)):
            w.assign_sub(lr * g)
        return loss

    staged = tf.function(step)
    staged(x, labels)
    return (lambda: staged(x, labels)), (lambda: step(x, labels))


# -- peers ----------------------------------------------------------------------------------------

def torch_rows(params, x, labels, lr=0.01):
    try:
        import torch
    except ImportError:
        return None
    s = torch.tensor(3.0, requires_grad=True)

    def d2():
        y = s * s
        (g,) = torch.autograd.grad(y, s, create_graph=True)
        (h,) = torch.autograd.grad(g, s)
        return h
    ws = [torch.tensor(p, requires_grad=True) for p in params]
    tx, tl = torch.tensor(x), torch.tensor(labels)

    def step():
        h = torch.relu(tx @ ws[0] + ws[1])
        logits = h @ ws[2] + ws[3]
        loss = -(tl * torch.log_softmax(logits, -1)).sum(-1).mean()
        grads = torch.autograd.grad(loss, ws)
        with torch.no_grad():
            for w, g in zip(ws, grads):
                w -= lr * g
        return loss
    return {"d2 eager": d2, "mlp eager": step}


def jax_rows(params, x, labels, lr=0.01):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    d2 = jax.jit(jax.grad(jax.grad(lambda v: v * v)))
    v = jnp.float32(3.0)

    def loss(ws, x, labels):
        h = jax.nn.relu(x @ ws[0] + ws[1])
        logits = h @ ws[2] + ws[3]
        return -jnp.mean(jnp.sum(labels * jax.nn.log_softmax(logits), -1))

    @jax.jit
    def update(ws, x, labels):
        gs = jax.grad(loss)(ws, x, labels)
        return [w - lr * g for w, g in zip(ws, gs)]
    state = {"ws": [jnp.asarray(p) for p in params]}
    jx, jl = jnp.asarray(x), jnp.asarray(labels)

    def step():
        state["ws"] = update(state["ws"], jx, jl)
        state["ws"][0].block_until_ready()
    return {"d2 jit": lambda: d2(v).block_until_ready(), "mlp jit": step}


def tensorflow_rows(params, x, labels, lr=0.01):
    try:
        import tensorflow as tf
    except ImportError:
        return None
    c = tf.constant(3.0)

    def d2():
        with tf.GradientTape() as t1:
            with tf.GradientTape() as t2:
                t1.watch(c)
                t2.watch(c)
                y = c * c
            g = t2.gradient(y, c)
        return t1.gradient(g, c)
    ws = [tf.Variable(p) for p in params]
    tx, tl = tf.constant(x), tf.constant(labels)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tx @ ws[0] + ws[1])
            logits = h @ ws[2] + ws[3]
            loss = -tf.reduce_mean(tf.reduce_sum(tl * tf.nn.log_softmax(logits), -1))
        for w, g in zip(ws, tape.gradient(loss, ws)):
            w.assign_sub(lr * g)
        return loss
    return {"d2 eager": d2, "mlp staged": step}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    rounds = 3 if args.quick else 7
    os.environ.setdefault("LAMINA_CACHE_DIR", tempfile.mkdtemp(prefix="lamina-bench-"))

    mul, d2_eager, d2_staged = lamina_d2()
    params, x, labels = mlp_data(np.random.default_rng(0))
    mlp_staged, mlp_eager = lamina_mlp(params, x, labels)
    print("second derivative of a scalar (nested tapes), µs per evaluation: wall (CPU)")
    print(f"  lamina eager                {timing(d2_eager, 2000, rounds)}")
    print(f"  lamina staged (function)    {timing(d2_staged, 5000, rounds)}")
    print(f"  (one eager x * x            {timing(mul, 20000, rounds)})")
    print("MLP 784-256-10 SGD step, batch 128, steps per second: wall (CPU)")
    for what, fn, n in (("staged (function + GradientTape)", mlp_staged, 50),
                        ("eager", mlp_eager, 10)):
        wall, cpu = best_us(fn, n, rounds), best_us(fn, n, rounds, time.process_time)
        print(f"  lamina {what:34s} {1e6 / wall:8.0f} ({1e6 / cpu:6.0f} CPU)")
    for name, rows in (("pytorch", torch_rows), ("jax", jax_rows),
                       ("tensorflow", tensorflow_rows)):
        r = rows(params, x, labels)
        if r is None:
            print(f"  ({name} is not installed)")
            continue
        for what, fn in r.items():
            us = best_us(fn, 50 if what.startswith("mlp") else 2000, rounds)
            text = f"{1e6 / us:8.0f} steps/s" if what.startswith("mlp") else f"{us:8.1f} µs"
            print(f"  {name} {what:12s} {text}")


if __name__ == "__main__":
    main()
