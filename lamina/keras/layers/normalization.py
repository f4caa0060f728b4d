"""BatchNormalization over the last axis."""

from __future__ import annotations

import math

from ...frontend import ops
from .. import initializers
from ..engine.base_layer import Layer

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta per channel (the last axis). While
    training: the batch's mean and variance, and the moving averages move toward them by
    (1 - momentum); otherwise the moving averages. For 4-D inputs the moving variance takes
    the batch's unbiased variance, as TensorFlow's fused kernel does."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", **kwargs):
        for k in ("beta_regularizer", "gamma_regularizer", "beta_constraint",
                  "gamma_constraint"):
            if kwargs.pop(k, None) is not None:
                raise NotImplementedError(f"BatchNormalization: {k} is not supported by "
                                          f"lamina.keras")
        super().__init__(**kwargs)
        if axis not in (-1, [-1]):
            raise NotImplementedError("BatchNormalization: only axis=-1 (channels last) is "
                                      "supported by lamina.keras")
        self.axis = -1
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self._inits = (beta_initializer, gamma_initializer, moving_mean_initializer,
                       moving_variance_initializer)

    def build(self, input_shape):
        c = input_shape[-1]
        if c is None:
            raise ValueError(f"Axis -1 of input tensor should have a defined dimension but the "
                             f"layer received an input with shape {input_shape}.")
        beta, gamma, mean, var = (initializers.get(i) for i in self._inits)
        self.gamma = self.add_weight("gamma", (c,), initializer=gamma) if self.scale else None
        self.beta = self.add_weight("beta", (c,), initializer=beta) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", (c,), initializer=mean,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", (c,), initializer=var,
                                               trainable=False)
        super().build(input_shape)

    def call(self, inputs, training=None):
        axes = list(range(inputs.shape.rank - 1))
        if training:
            mean = ops.reduce_mean(inputs, axes)
            var = ops.reduce_mean(ops.square(ops.subtract(inputs, mean)), axes)
            n = math.prod(inputs.shape.as_list()[:-1]) if None not in inputs.shape[:-1] \
                else None
            unbiased = var if inputs.shape.rank != 4 or not n or n < 2 else \
                ops.multiply(var, n / (n - 1))
            keep = 1.0 - self.momentum
            for moving, batch in ((self.moving_mean, mean), (self.moving_variance, unbiased)):
                moving.assign_sub(ops.multiply(ops.subtract(moving.read_value(),
                                                            ops.stop_gradient(batch)), keep))
        else:
            mean, var = self.moving_mean.read_value(), self.moving_variance.read_value()
        y = ops.multiply(ops.subtract(inputs, mean), ops.rsqrt(ops.add(var, self.epsilon)))
        if self.scale:
            y = ops.multiply(y, self.gamma)
        if self.center:
            y = ops.add(y, self.beta)
        return y

    def get_config(self):
        init = [i if isinstance(i, str) else initializers.serialize(i) for i in self._inits]
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": init[0], "gamma_initializer": init[1],
                "moving_mean_initializer": init[2], "moving_variance_initializer": init[3]}
