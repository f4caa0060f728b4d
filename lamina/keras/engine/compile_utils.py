"""What `compile` makes of its `loss` and `metrics` arguments: the loss (one, or one per
output), tracked as the running mean `loss` weighted by batch size, and the metrics, with
'accuracy' resolved by the shapes of the labels and predictions, as Keras does."""

from __future__ import annotations

from ...frontend import dtypes as D
from ...frontend import ops
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .base_layer import nest_flatten

__all__ = ["LossesContainer", "MetricsContainer"]


def _loss_object(loss):
    loss = losses_mod.get(loss)
    if isinstance(loss, losses_mod.Loss):
        return loss
    return losses_mod.LossFunctionWrapper(loss, name=getattr(loss, "__name__", "loss"))


def _batch_size(t):
    n = t.shape[0]
    if n is not None:
        return float(n)
    return ops.cast(ops.shape(t)[0], D.float32)


class LossesContainer:
    def __init__(self, loss, loss_weights=None):
        self._user = loss
        self._losses = [_loss_object(x) for x in nest_flatten(loss)] if loss is not None \
            else []
        self._weights = nest_flatten(loss_weights) if loss_weights is not None else None
        self.tracker = metrics_mod.Mean(name="loss")

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        ys, ps = nest_flatten(y_true), nest_flatten(y_pred)
        if not self._losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        objs = self._losses * len(ps) if len(self._losses) == 1 else self._losses
        if len(objs) != len(ps) or len(ys) != len(ps):
            raise ValueError(f"the model has {len(ps)} outputs, compile() got "
                             f"{len(self._losses)} losses and the data {len(ys)} targets")
        total = None
        for i, (obj, y, p) in enumerate(zip(objs, ys, ps)):
            value = obj(y, p, sample_weight)
            if self._weights is not None:
                value = ops.multiply(value, float(self._weights[i]))
            total = value if total is None else ops.add(total, value)
        for extra in regularization_losses or []:
            total = ops.add(total, extra)
        self.tracker.update_state(total, sample_weight=_batch_size(ps[0]))
        return total

    @property
    def metrics(self):
        return [self.tracker]


def _resolve(metric, y_true, y_pred):
    """A Metric object for what compile() got, with 'accuracy'/'acc' (and the crossentropy
    names) made specific to the labels' and predictions' shapes."""
    if isinstance(metric, metrics_mod.Metric):
        return metric
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", "metric")
    if metric in ("accuracy", "acc"):
        t_rank, p_rank = y_true.shape.rank, y_pred.shape.rank
        t_last, p_last = y_true.shape[-1] if t_rank else None, y_pred.shape[-1]
        if p_last == 1:
            fn = metrics_mod.binary_accuracy
        elif t_rank < p_rank or (t_last == 1 and p_last != 1):
            fn = metrics_mod.sparse_categorical_accuracy
        else:
            fn = metrics_mod.categorical_accuracy
    else:
        fn = metrics_mod.get(metric)
        if isinstance(fn, metrics_mod.Metric):
            return fn
    return metrics_mod.MeanMetricWrapper(fn, name=name)


class MetricsContainer:
    """The compiled metrics; made on the first update (they depend on the data's shapes)."""

    def __init__(self, metrics=None):
        self._user = list(metrics or []) if not isinstance(metrics, (str, dict)) else [metrics]
        if isinstance(metrics, dict):
            raise NotImplementedError("metrics as a dict (per output) are not supported by "
                                      "lamina.keras")
        self._metrics = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        ys, ps = nest_flatten(y_true), nest_flatten(y_pred)
        if self._user and len(ps) != 1:
            raise NotImplementedError("compile(metrics=...) of a model with several outputs is "
                                      "not supported by lamina.keras")
        if self._metrics is None:
            y = ops.convert_to_tensor(ys[0]) if ys else None
            self._metrics = [_resolve(m, y, ps[0]) for m in self._user]
        for m in self._metrics:
            m.update_state(ys[0], ps[0], sample_weight)

    @property
    def metrics(self):
        return list(self._metrics or [])

    @property
    def built(self):
        return self._metrics is not None or not self._user
