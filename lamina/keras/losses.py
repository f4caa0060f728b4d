"""Losses, as functions of (y_true, y_pred) giving one loss per sample, and as classes whose
call reduces them (Keras's default: the mean over the batch, 'sum_over_batch_size')."""

from __future__ import annotations

from ..frontend import dtypes as D
from ..frontend import nn, ops
from . import activations, backend

__all__ = ["Loss", "LossFunctionWrapper", "SparseCategoricalCrossentropy",
           "CategoricalCrossentropy", "BinaryCrossentropy", "MeanSquaredError",
           "MeanAbsoluteError", "sparse_categorical_crossentropy", "categorical_crossentropy",
           "binary_crossentropy", "mean_squared_error", "mean_absolute_error", "mse", "mae",
           "MSE", "MAE", "get", "serialize"]


def _float_pred(y_pred):
    y = ops.convert_to_tensor(y_pred)
    return y if y.dtype.is_floating else ops.cast(y, backend.floatx())


def _like(y_true, y_pred):
    t = ops.convert_to_tensor(y_true)
    return t if t.dtype == y_pred.dtype else ops.cast(t, y_pred.dtype)


def _from_activation(y_pred, from_logits, kind):
    """(y_pred, from_logits), with probabilities that Keras's `kind` activation made replaced
    by its logits."""
    if not from_logits:
        logits = activations.logits_of(y_pred, kind)
        if logits is not None:
            return logits, True
    return y_pred, from_logits


def _clipped_log(p):
    eps = backend.epsilon()
    return ops.log(ops.clip_by_value(p, eps, 1.0 - eps))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """-log of the probability of the true class (labels are class ids). From probabilities,
    as Keras: the logits of the softmax that made them, or else clipped to [eps, 1 - eps],
    their logs taken as logits."""
    y_pred, from_logits = _from_activation(_float_pred(y_pred), from_logits, "softmax")
    if axis != -1:
        raise NotImplementedError("sparse_categorical_crossentropy: only axis=-1 is supported")
    labels = ops.convert_to_tensor(y_true)
    if labels.shape.rank == y_pred.shape.rank:
        labels = ops.squeeze(labels, -1)
    if labels.dtype not in (D.int32, D.int64):
        labels = ops.cast(labels, D.int32)
    logits = y_pred if from_logits else _clipped_log(y_pred)
    hot = ops.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype)
    return ops.negative(ops.reduce_sum(ops.multiply(hot, nn.log_softmax(logits)), -1))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(y_pred)) over the classes (one-hot or soft labels); probabilities
    are normalized to sum to 1 first, as Keras does."""
    y_pred, from_logits = _from_activation(_float_pred(y_pred), from_logits, "softmax")
    y_true = _like(y_true, y_pred)
    if label_smoothing:
        n = y_pred.shape[axis]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / n)
    if from_logits:
        return ops.negative(ops.reduce_sum(ops.multiply(y_true, nn.log_softmax(y_pred, axis)),
                                           axis))
    p = ops.divide(y_pred, ops.reduce_sum(y_pred, axis, keepdims=True))
    return ops.negative(ops.reduce_sum(ops.multiply(y_true, _clipped_log(p)), axis))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """The mean over the last axis of -(y log p + (1 - y) log(1 - p))."""
    y_pred, from_logits = _from_activation(_float_pred(y_pred), from_logits, "sigmoid")
    y_true = _like(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        # softplus(x) - x y: stable for large |x|
        per = ops.subtract(ops.softplus(y_pred), ops.multiply(y_pred, y_true))
    else:
        eps = backend.epsilon()
        p = ops.clip_by_value(y_pred, eps, 1.0 - eps)
        per = ops.negative(ops.add(ops.multiply(y_true, ops.log(ops.add(p, eps))),
                                   ops.multiply(ops.subtract(1.0, y_true),
                                                ops.log(ops.add(ops.subtract(1.0, p), eps)))))
    return ops.reduce_mean(per, axis)


def mean_squared_error(y_true, y_pred):
    y_pred = _float_pred(y_pred)
    return ops.reduce_mean(ops.square(ops.subtract(y_pred, _like(y_true, y_pred))), -1)


def mean_absolute_error(y_true, y_pred):
    y_pred = _float_pred(y_pred)
    return ops.reduce_mean(ops.abs(ops.subtract(y_pred, _like(y_true, y_pred))), -1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# -- classes ------------------------------------------------------------------------------------

def match_ranks(y_true, y_pred):
    """(y_true, y_pred) with a trailing dim of 1 squeezed from the one of higher rank, as
    Keras's squeeze_or_expand_dimensions: labels (n,) meet predictions (n, 1)."""
    y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
    diff = y_pred.shape.rank - y_true.shape.rank
    if diff == 1 and y_pred.shape[-1] == 1:
        logits = activations.logits_of(y_pred, "sigmoid")
        y_pred = ops.squeeze(y_pred, -1)
        if logits is not None:  # keep the way back to them (see activations)
            activations.remember(y_pred, "sigmoid", ops.squeeze(logits, -1))
    elif diff == -1 and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    return y_true, y_pred


_REDUCTIONS = ("auto", "sum_over_batch_size", "sum", "none")


def reduce_loss(values, sample_weight, reduction):
    """Per-sample losses, weighted, reduced as `reduction` says."""
    if sample_weight is not None:
        w = ops.convert_to_tensor(sample_weight)
        w = w if w.dtype == values.dtype else ops.cast(w, values.dtype)
        if w.shape.rank > values.shape.rank:
            w = ops.squeeze(w, -1)
        values = ops.multiply(values, w)
    if reduction == "none":
        return values
    return ops.reduce_sum(values) if reduction == "sum" else ops.reduce_mean(values)


class Loss:
    """A loss object: `loss(y_true, y_pred, sample_weight=None)` is the reduced loss."""

    def __init__(self, reduction="auto", name=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid Reduction Key: {reduction}. Expected keys are "
                             f"\"{', '.join(_REDUCTIONS)}\"")
        self.reduction = reduction
        self.name = name

    def call(self, y_true, y_pred):
        raise NotImplementedError("Must be implemented in subclasses.")

    def __call__(self, y_true, y_pred, sample_weight=None):
        return reduce_loss(self.call(y_true, y_pred), sample_weight, self.reduction)

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A loss class around a loss function and its keyword arguments."""

    def __init__(self, fn, reduction="auto", name=None, **kwargs):
        super().__init__(reduction, name or fn.__name__)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(*match_ranks(y_true, y_pred), **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def _loss_class(class_name, fn, default_name, params):
    """A LossFunctionWrapper subclass over `fn` taking keyword arguments `params` (name:
    default)."""
    def __init__(self, *args, reduction="auto", name=default_name, **kwargs):
        values = dict(params)
        for k, v in zip(params, args):
            values[k] = v
        for k, v in kwargs.items():
            if k not in params:
                raise TypeError(f"{class_name}: unexpected keyword argument {k!r}")
            values[k] = v
        LossFunctionWrapper.__init__(self, fn, reduction, name, **values)

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name, **self._fn_kwargs}
    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__,
                                                     "get_config": get_config,
                                                     "__doc__": fn.__doc__})


SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", {"from_logits": False})
CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0})
BinaryCrossentropy = _loss_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0})
MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error, "mean_squared_error", {})
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error,
                                "mean_absolute_error", {})

_FUNCTIONS = {f.__name__: f for f in (sparse_categorical_crossentropy, categorical_crossentropy,
                                      binary_crossentropy, mean_squared_error,
                                      mean_absolute_error)}
_FUNCTIONS.update(mse=mean_squared_error, mae=mean_absolute_error, MSE=mean_squared_error,
                  MAE=mean_absolute_error)
_CLASSES = {c.__name__: c for c in (SparseCategoricalCrossentropy, CategoricalCrossentropy,
                                    BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError)}


def lookup(identifier, functions, classes, kind, noun):
    """What a name, a config dict or an object names among `functions` and `classes` (Keras's
    `get` of losses and metrics; `kind` and `noun` word its errors as Keras does)."""
    if isinstance(identifier, str):
        f = functions.get(identifier)
        if f is not None:
            return f
        c = classes.get(identifier)
        if c is not None:
            return c()
        raise ValueError(f"Unknown {kind} function: '{identifier}'. Please ensure you are "
                         f"using a `keras.utils.custom_object_scope` and that this object is "
                         f"included in the scope.")
    if isinstance(identifier, dict):
        c = classes.get(identifier.get("class_name"))
        if c is None:
            raise ValueError(f"Unknown {kind} config: {identifier!r}")
        return c.from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {noun} identifier: {identifier!r}")


def get(identifier):
    """A loss function or object from a name, a config dict, or itself."""
    if identifier is None:
        return None
    return lookup(identifier, _FUNCTIONS, _CLASSES, "loss", "loss function")


def serialize(loss):
    """A loss's name (functions) or config (classes), for saved models."""
    if isinstance(loss, str):
        get(loss)
        return loss
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASSES:
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    name = getattr(loss, "__name__", None)
    if _FUNCTIONS.get(name) is loss:
        return name
    raise ValueError(f"cannot serialize the loss {loss!r}")
