"""`keras.datasets`: the data sets Keras downloads, read from Keras's cache directory."""

from . import mnist

__all__ = ["mnist"]
