"""Metrics: stateful running values (a total and a count in Variables, updated inside the
staged train step with `update_state`, read with `result()`, zeroed with `reset_state()`),
and the per-sample metric functions they average (`accuracy` and friends)."""

from __future__ import annotations

from ..frontend import dtypes as D
from ..frontend import ops
from ..frontend.variables import Variable
from . import backend, losses

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "MeanSquaredError",
           "MeanAbsoluteError", "SparseCategoricalCrossentropy", "CategoricalCrossentropy",
           "BinaryCrossentropy", "accuracy", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "get", "serialize"]


# -- per-sample functions -------------------------------------------------------------------------

def _floatx(x):
    return ops.cast(x, backend.floatx())


def accuracy(y_true, y_pred):
    """1 where the prediction equals the label, else 0."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = ops.cast(y_true, y_pred.dtype)
    return _floatx(ops.equal(y_true, y_pred))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = ops.convert_to_tensor(y_pred)
    predicted = ops.cast(ops.greater(y_pred, threshold), y_pred.dtype)
    y_true = ops.convert_to_tensor(y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = ops.cast(y_true, y_pred.dtype)
    return ops.reduce_mean(_floatx(ops.equal(y_true, predicted)), -1)


def categorical_accuracy(y_true, y_pred):
    return _floatx(ops.equal(ops.argmax(y_true, -1), ops.argmax(y_pred, -1)))


def sparse_categorical_accuracy(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if y_true.shape.rank == y_pred.shape.rank and y_true.shape.rank > 1:
        y_true = ops.squeeze(y_true, -1)
    predicted = ops.argmax(y_pred, -1)
    if y_true.dtype != predicted.dtype:
        y_true = ops.cast(y_true, predicted.dtype)
    return _floatx(ops.equal(y_true, predicted))


# -- stateful metrics -----------------------------------------------------------------------------

class Metric:
    """A running value: `update_state(...)`, `result()`, `reset_state()`."""

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = D.as_dtype(dtype or backend.floatx())
        self._variables = []

    def add_weight(self, name, shape=(), initializer="zeros", dtype=None):
        with backend.init_scope():
            v = Variable(ops.zeros(shape, dtype or self.dtype), trainable=False,
                         name=f"{self.name}/{name}")
        self._variables.append(v)
        return v

    @property
    def variables(self):
        return list(self._variables)

    weights = variables

    def reset_state(self):
        for v in self._variables:
            v.assign(ops.zeros(v.shape, v.dtype))

    reset_states = reset_state

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _snake(name):
    from .engine.base_layer import to_snake_case
    return to_snake_case(name)


class _Reduce(Metric):
    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_weight("total")
        self.count = self.add_weight("count")


class Mean(_Reduce):
    """The (weighted) mean of every value passed to update_state."""

    def update_state(self, values, sample_weight=None):
        values = ops.convert_to_tensor(values)
        if values.dtype != self.dtype:
            values = ops.cast(values, self.dtype)
        if sample_weight is None:
            n = values.shape.num_elements()
            n = float(n) if n is not None else ops.reduce_sum(ops.ones_like(values))
        else:
            w = ops.convert_to_tensor(sample_weight)
            w = w if w.dtype == self.dtype else ops.cast(w, self.dtype)
            if w.shape.rank and w.shape.rank > values.shape.rank:
                w = ops.squeeze(w, -1)
            w = ops.multiply(ops.ones_like(values), w)  # broadcast as the values
            values = ops.multiply(values, w)
            n = ops.reduce_sum(w)
        self.total.assign_add(ops.reduce_sum(values))
        self.count.assign_add(n)

    def result(self):
        count = self.count.read_value()
        safe = ops.maximum(count, 1e-30)
        return ops.where(ops.greater(count, 0.0), ops.divide(self.total.read_value(), safe),
                         ops.zeros_like(count))


class Sum(_Reduce):
    def update_state(self, values, sample_weight=None):
        values = ops.cast(ops.convert_to_tensor(values), self.dtype)
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(ops.convert_to_tensor(sample_weight),
                                                   self.dtype))
        self.total.assign_add(ops.reduce_sum(values))

    def result(self):
        return self.total.read_value()


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over every sample seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name or fn.__name__, dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = losses.match_ranks(y_true, y_pred)
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def _wrapper_class(class_name, fn, default_name, params):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        values = dict(params)
        for k, v in kwargs.items():
            if k not in params:
                raise TypeError(f"{class_name}: unexpected keyword argument {k!r}")
            values[k] = v
        MeanMetricWrapper.__init__(self, fn, name, dtype, **values)

    @classmethod
    def from_config(cls, config):
        return cls(**config)
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__,
                                                   "from_config": from_config})


Accuracy = _wrapper_class("Accuracy", accuracy, "accuracy", {})
BinaryAccuracy = _wrapper_class("BinaryAccuracy", binary_accuracy, "binary_accuracy",
                                {"threshold": 0.5})
CategoricalAccuracy = _wrapper_class("CategoricalAccuracy", categorical_accuracy,
                                     "categorical_accuracy", {})
SparseCategoricalAccuracy = _wrapper_class("SparseCategoricalAccuracy",
                                           sparse_categorical_accuracy,
                                           "sparse_categorical_accuracy", {})
MeanSquaredError = _wrapper_class("MeanSquaredError", losses.mean_squared_error,
                                  "mean_squared_error", {})
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", losses.mean_absolute_error,
                                   "mean_absolute_error", {})
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", {"from_logits": False})
CategoricalCrossentropy = _wrapper_class("CategoricalCrossentropy",
                                         losses.categorical_crossentropy,
                                         "categorical_crossentropy", {"from_logits": False})
BinaryCrossentropy = _wrapper_class("BinaryCrossentropy", losses.binary_crossentropy,
                                    "binary_crossentropy", {"from_logits": False})

mse = MSE = mean_squared_error = losses.mean_squared_error
mae = MAE = mean_absolute_error = losses.mean_absolute_error
sparse_categorical_crossentropy = losses.sparse_categorical_crossentropy
categorical_crossentropy = losses.categorical_crossentropy
binary_crossentropy = losses.binary_crossentropy

_FUNCTIONS = {f.__name__: f for f in (accuracy, binary_accuracy, categorical_accuracy,
                                      sparse_categorical_accuracy, mean_squared_error,
                                      mean_absolute_error, sparse_categorical_crossentropy,
                                      categorical_crossentropy, binary_crossentropy)}
_FUNCTIONS.update(acc=accuracy, mse=mse, mae=mae)
_CLASSES = {c.__name__: c for c in (Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                    SparseCategoricalAccuracy, MeanSquaredError,
                                    MeanAbsoluteError, SparseCategoricalCrossentropy,
                                    CategoricalCrossentropy, BinaryCrossentropy)}


def get(identifier):
    """A metric object or function from a name, a config dict, or itself."""
    return losses.lookup(identifier, _FUNCTIONS, _CLASSES, "metric", "metric")


def serialize(metric):
    if isinstance(metric, str):
        return metric
    if isinstance(metric, Metric) and type(metric).__name__ in _CLASSES:
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    name = getattr(metric, "__name__", None)
    if _FUNCTIONS.get(name) is metric:
        return name
    raise ValueError(f"cannot serialize the metric {metric!r}")
