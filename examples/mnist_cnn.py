"""Train the seed's CNN (section V) on MNIST and report its test accuracy.

    python examples/mnist_cnn.py [--epochs 1] [--samples N] [--path mnist.npz]

MNIST is Keras's mnist.npz, from --path, $MNIST_PATH, or the Keras cache (~/.keras/datasets).
Without it, the CNN trains on scikit-learn's bundled handwritten digits (1,797 8x8 images,
upscaled to 28x28 uint8 like MNIST's): a real data set that a package ships
(`pip install scikit-learn`, or `pip install lamina[examples]`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import lamina as tf


def digits_as_mnist(seed=0):
    """scikit-learn's digits as MNIST-shaped data: ((x_train, y_train), (x_test, y_test)),
    28x28 uint8 images (each 8x8 digit upscaled to 24x24, nearest neighbour, centred in a
    2-pixel border as MNIST centres its digits) and uint8 labels; 6/7 train, 1/7 test."""
    from sklearn.datasets import load_digits
    d = load_digits()
    rows = np.minimum((np.arange(24) * 8) // 24, 7)
    x = np.zeros((len(d.images), 28, 28), np.uint8)
    x[:, 2:26, 2:26] = np.round(d.images[:, rows][:, :, rows] * (255 / 16))
    y = d.target.astype(np.uint8)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    cut = len(x) * 6 // 7
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def seed_cnn():
    """The seed's Sequential CNN, as the seed writes it."""
    input_shape = [28, 28, 1]
    data_format = "channels_last"
    max_pool = tf.keras.layers.MaxPooling2D(
        (2, 2), (2, 2), padding='same', data_format=data_format)
    return tf.keras.Sequential([
        tf.keras.layers.Reshape(target_shape=input_shape, input_shape=[28, 28]),
        tf.keras.layers.Conv2D(32, 5, padding='same', data_format=data_format,
                               activation=tf.nn.relu),
        max_pool,
        tf.keras.layers.Conv2D(64, 5, padding='same', data_format=data_format,
                               activation=tf.nn.relu),
        max_pool,
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(1024, activation=tf.nn.relu),
        tf.keras.layers.Dropout(0.3),
        tf.keras.layers.Dense(10, activation=tf.nn.softmax)
    ])


def load(path):
    """(data, name): MNIST if its file is there, else scikit-learn's digits."""
    try:
        return tf.keras.datasets.mnist.load_data(path or "mnist.npz"), "MNIST"
    except FileNotFoundError as e:
        print(f"MNIST not available ({e})\n")
    try:
        return digits_as_mnist(), "scikit-learn digits (28x28)"
    except ImportError:
        sys.exit("No MNIST file and no scikit-learn: pip install scikit-learn (or "
                 "lamina[examples]), or put Keras's mnist.npz in ~/.keras/datasets")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--samples", type=int, default=None,
                   help="train on the first N training images only")
    p.add_argument("--path", default=os.environ.get("MNIST_PATH"))
    p.add_argument("--batch-size", type=int, default=32)
    args = p.parse_args(argv)
    tf.random.set_seed(0)
    ((x_train, y_train), (x_test, y_test)), name = load(args.path)
    if args.samples:
        x_train, y_train = x_train[:args.samples], y_train[:args.samples]
    print(f"{name}: {len(x_train)} training, {len(x_test)} test images")
    model = seed_cnn()
    model.compile(optimizer=tf.optimizers.Adam(),
                  loss=tf.losses.sparse_categorical_crossentropy, metrics=['accuracy'])
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=args.batch_size)
    print(f"\ntest accuracy: {accuracy:.4f} (loss {loss:.4f}) after {args.epochs} epoch(s) "
          f"on {name}; training took {seconds:.0f} s (including tracing and compiling)")


if __name__ == "__main__":
    main()
