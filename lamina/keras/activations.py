"""Activation functions, by name (`activation='relu'`) or as functions (`tf.nn.relu`).

`softmax` and `sigmoid` remember the logits of each output they make (as tf.keras's
`_keras_logits`): a crossentropy loss of probabilities made by them computes from the logits
instead, which stays exact and keeps its gradient where probabilities saturate (the seed's CNN
fed raw 0-255 pixels trains because of this)."""

from __future__ import annotations

import weakref

from ..frontend import nn, ops

__all__ = ["relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "softplus", "elu",
           "selu", "swish", "gelu", "exponential", "linear", "get", "serialize", "deserialize"]


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    if alpha == 0 and max_value is None and threshold == 0:
        return nn.relu(x)
    x = ops.convert_to_tensor(x)
    below = ops.multiply(ops.subtract(x, threshold), alpha)
    y = ops.where(ops.greater_equal(x, threshold), x, below)
    return y if max_value is None else ops.minimum(y, max_value)


def relu6(x):
    return nn.relu6(x)


_LOGITS = {}  # id(output) -> (weak reference to the output, its activation's name, logits)


def remember(out, kind, logits):
    """Record that `out` is activation `kind` of `logits` (returns `out`)."""
    key = id(out)
    _LOGITS[key] = (weakref.ref(out, lambda _: _LOGITS.pop(key, None)), kind, logits)
    return out


def logits_of(output, kind):
    """The logits `output` was computed from by the activation `kind` ('softmax' or
    'sigmoid'), or None."""
    entry = _LOGITS.get(id(output))
    if entry is None or entry[0]() is not output or entry[1] != kind:
        return None
    return entry[2]


def sigmoid(x):
    return remember(ops.sigmoid(x), "sigmoid", x)


def tanh(x):
    return ops.tanh(x)


def softmax(x, axis=-1):
    out = nn.softmax(x, axis)
    return remember(out, "softmax", x) if axis in (-1, x.shape.rank - 1) else out


def log_softmax(x, axis=-1):
    return nn.log_softmax(x, axis)


def softplus(x):
    return ops.softplus(x)


def elu(x, alpha=1.0):
    x = ops.convert_to_tensor(x)
    return ops.where(ops.greater(x, 0), x, ops.multiply(ops.subtract(ops.exp(x), 1), alpha))


def selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return ops.multiply(elu(x, alpha), scale)


def swish(x):
    return ops.multiply(x, ops.sigmoid(x))


def gelu(x, approximate=False):
    x = ops.convert_to_tensor(x)
    if approximate:
        inner = ops.multiply(ops.add(x, ops.multiply(ops.pow(x, 3), 0.044715)),
                             0.7978845608028654)
        return ops.multiply(ops.multiply(x, 0.5), ops.add(ops.tanh(inner), 1))
    return ops.multiply(ops.multiply(x, 0.5),
                        ops.add(ops.erf(ops.multiply(x, 0.7071067811865476)), 1))


def exponential(x):
    return ops.exp(x)


def linear(x):
    return x


_BY_NAME = {f.__name__: f for f in (relu, relu6, sigmoid, tanh, softmax, log_softmax, softplus,
                                    elu, selu, swish, gelu, exponential, linear)}
# the frontend's functions stand for the activations of the same name (tf.nn.relu is 'relu',
# tf.nn.softmax is keras's softmax, which remembers its logits)
_SAME_AS = {nn.relu: relu, nn.relu6: relu6, ops.sigmoid: sigmoid, ops.tanh: tanh,
            nn.softmax: softmax, nn.log_softmax: log_softmax, ops.softplus: softplus,
            ops.exp: exponential}


def get(identifier):
    """The activation function for a name, a function, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        f = _BY_NAME.get(identifier)
        if f is None:
            raise ValueError(f"Unknown activation function: '{identifier}'. Please ensure you "
                             f"are using a `keras.utils.custom_object_scope` and that this "
                             f"object is included in the scope.")
        return f
    if callable(identifier):
        return _SAME_AS.get(identifier, identifier)
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation):
    """The name of an activation (for configs); a function of no known name is an error."""
    f = _SAME_AS.get(activation, activation)
    name = getattr(f, "__name__", None)
    if _BY_NAME.get(name) is f:
        return name
    raise ValueError(f"cannot serialize the activation {activation!r}: only the activations of "
                     f"keras.activations can be saved in a model's config")


def deserialize(name):
    return get(name)
