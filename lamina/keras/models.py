"""`keras.models`: the model classes, and loading a saved model (see keras/saving.py)."""

from .engine.sequential import Sequential
from .engine.training import Model
from .saving import load_model, save_model

__all__ = ["Model", "Sequential", "load_model", "save_model", "clone_model"]


def clone_model(model, custom_objects=None):
    """A new model of the same architecture as `model` (Sequential or functional), with
    freshly initialized weights."""
    return type(model).from_config(model.get_config(), custom_objects) \
        if isinstance(model, Sequential) else Model.from_config(model.get_config(),
                                                                custom_objects)
