"""`keras.layers`."""

from ..engine.base_layer import Input, InputLayer, Layer
from .convolutional import Conv2D
from .core import Activation, Dense, Dropout, Embedding, Flatten, Reshape
from .normalization import BatchNormalization
from .pooling import AveragePooling2D, AvgPool2D, MaxPool2D, MaxPooling2D

Convolution2D = Conv2D

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Activation", "Flatten", "Reshape",
           "Dropout", "Embedding", "Conv2D", "Convolution2D", "MaxPooling2D", "MaxPool2D",
           "AveragePooling2D", "AvgPool2D", "BatchNormalization", "get", "serialize"]


def serialize(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def get(class_name, custom_objects=None):
    """The layer class of a name (a saved config's class_name)."""
    c = (custom_objects or {}).get(class_name) or _CLASSES.get(class_name)
    if c is None:
        raise ValueError(f"Unknown layer: '{class_name}'. Please ensure you are using a "
                         f"`keras.utils.custom_object_scope` and that this object is included "
                         f"in the scope (or pass it in `custom_objects`).")
    return c


_CLASSES = {c.__name__: c for c in (InputLayer, Dense, Activation, Flatten, Reshape, Dropout,
                                    Embedding, Conv2D, MaxPooling2D, AveragePooling2D,
                                    BatchNormalization)}
