"""`lamina.keras`: Keras's API (tf.keras 2) on lamina: layers, Sequential, subclassed and
functional models, compile/fit/evaluate/predict with the train step staged by
`lamina.function`, optimizers, losses, metrics, callbacks, saving (see saving.py for the file
format) and datasets."""

from . import (activations, backend, callbacks, datasets, initializers, layers, losses, metrics,
               models, optimizers, utils)
from .engine.base_layer import Input
from .engine.sequential import Sequential
from .engine.training import Model

__all__ = ["activations", "backend", "callbacks", "datasets", "initializers", "layers",
           "losses", "metrics", "models", "optimizers", "utils", "Input", "Model",
           "Sequential"]
