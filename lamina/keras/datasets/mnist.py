"""MNIST from Keras's `mnist.npz` (arrays x_train (60000, 28, 28) uint8, y_train (60000,)
uint8, x_test (10000, 28, 28), y_test (10000,)).

`load_data(path="mnist.npz")` reads `path` if it names an existing file, else
`$KERAS_HOME/datasets/<path>` (`~/.keras/datasets/mnist.npz` by default: where Keras caches
it), else downloads it there from Keras's origin (checking its SHA-256). With no file and no
network, the error says where to put the file."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile

import numpy as np

__all__ = ["load_data", "cache_dir", "ORIGIN", "SHA256"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_KEYS = ("x_train", "y_train", "x_test", "y_test")


def cache_dir():
    """Keras's data set cache: $KERAS_HOME/datasets, or ~/.keras/datasets."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _download(url, dest, timeout=30):
    """Fetch `url` to `dest` (through a temporary file: an interrupted download leaves
    nothing)."""
    import urllib.request  # here: it costs tens of milliseconds at import
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as r:
            shutil.copyfileobj(r, out)
        if _sha256(tmp) != SHA256:
            raise OSError(f"the file downloaded from {url} does not have the expected "
                          f"SHA-256 {SHA256}")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _locate(path):
    if os.path.isfile(path):
        return path
    cached = os.path.join(cache_dir(), path)
    if os.path.isfile(cached):
        return cached
    name = os.path.basename(path)
    if name != "mnist.npz" and os.path.dirname(path):
        raise FileNotFoundError(f"MNIST: no file at {path!r}")
    try:
        _download(ORIGIN, cached)
    except (OSError, ValueError) as e:
        raise FileNotFoundError(
            f"MNIST is not available: {cached!r} does not exist and downloading it from "
            f"{ORIGIN} failed ({e}). Put Keras's mnist.npz at {cached!r} (the Keras cache "
            f"directory; set KERAS_HOME to use another), or pass its location: "
            f"mnist.load_data(path='/path/to/mnist.npz').") from None
    return cached


def load_data(path="mnist.npz"):
    """((x_train, y_train), (x_test, y_test)) as uint8 numpy arrays."""
    path = _locate(os.path.expanduser(os.fspath(path)))
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in _KEYS if k not in f.files]
            if missing:
                raise ValueError(f"{path!r} is not Keras's mnist.npz: it lacks {missing}")
            x_train, y_train, x_test, y_test = (f[k] for k in _KEYS)
    except (OSError, EOFError) as e:
        raise ValueError(f"{path!r} is not a readable mnist.npz ({e})") from None
    return (x_train, y_train), (x_test, y_test)
