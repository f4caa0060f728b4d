"""The core layers: Dense, Activation, Flatten, Reshape, Dropout, Embedding."""

from __future__ import annotations

import math

from ...frontend import dtypes as D
from ...frontend import nn, ops
from .. import activations, initializers
from ..engine.base_layer import Layer

__all__ = ["Dense", "Activation", "Flatten", "Reshape", "Dropout", "Embedding"]


def _initializer_config(init):
    return init if isinstance(init, str) else initializers.serialize(init)


class Dense(Layer):
    """activation(inputs @ kernel + bias), over the last axis of the inputs."""

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        for k in ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                  "kernel_constraint", "bias_constraint"):
            if kwargs.pop(k, None) is not None:
                raise NotImplementedError(f"Dense: {k} is not supported by lamina.keras")
        super().__init__(**kwargs)
        self.units = int(units)
        if self.units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._init_config = (kernel_initializer, bias_initializer)

    def build(self, input_shape):
        last = input_shape[-1]
        if last is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be "
                             "defined. Found None. Full input shape received: "
                             f"{input_shape}")
        self.kernel = self.add_weight("kernel", (last, self.units),
                                      initializer=self.kernel_initializer)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer) \
            if self.use_bias else None
        super().build(input_shape)

    def call(self, inputs):
        rank = inputs.shape.rank
        if rank == 2:
            y = ops.matmul(inputs, self.kernel)
        else:
            lead = inputs.shape.as_list()[:-1]
            flat = ops.reshape(inputs, [-1, inputs.shape[-1]])
            y = ops.reshape(ops.matmul(flat, self.kernel),
                            [-1 if d is None else d for d in lead] + [self.units])
        if self.use_bias:
            y = ops.add(y, self.bias)
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": _initializer_config(self._init_config[0]),
                "bias_initializer": _initializer_config(self._init_config[1])}


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


def _batch_dim(x):
    b = x.shape[0]
    return -1 if b is None else b


class Flatten(Layer):
    """(batch, ...) -> (batch, product of the rest)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise NotImplementedError("Flatten: only data_format='channels_last' is supported")
        self.data_format = data_format

    def call(self, inputs):
        rest = inputs.shape.as_list()[1:]
        if None in rest:
            raise ValueError(f"Flatten needs the non-batch dims of its input known, got "
                             f"{inputs.shape}")
        if inputs.shape.rank == 1:
            return ops.expand_dims(inputs, 1)
        return ops.reshape(inputs, [_batch_dim(inputs), math.prod(rest)])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def _fixed(self, input_shape):
        target = list(self.target_shape)
        if -1 not in target:
            return target
        known = input_shape[1:]
        if None in known:
            raise ValueError(f"Reshape: cannot infer the -1 of {self.target_shape} from the "
                             f"input shape {input_shape}")
        rest = math.prod(d for d in target if d != -1)
        total = math.prod(known)
        if rest == 0 or total % rest:
            raise ValueError(f"total size of new array must be unchanged, input_shape = "
                             f"{list(known)}, output_shape = {list(self.target_shape)}")
        target[target.index(-1)] = total // rest
        return target

    def call(self, inputs):
        shape = inputs.shape.as_list()
        target = self._fixed(shape)
        if None not in shape[1:] and math.prod(shape[1:]) != math.prod(target):
            raise ValueError(f"total size of new array must be unchanged, input_shape = "
                             f"{shape[1:]}, output_shape = {list(self.target_shape)}")
        return ops.reshape(inputs, [_batch_dim(inputs)] + target)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Dropout(Layer):
    """While training, zeroes inputs with probability `rate` and scales the rest by
    1 / (1 - rate); otherwise the identity."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return ops.zeros_like(inputs)
        return nn.dropout(inputs, self.rate, self.noise_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Embedding(Layer):
    """Integer ids -> rows of an (input_dim, output_dim) table (computed as one_hot(ids) @
    table, so that its gradient is the matmul's)."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 mask_zero=False, input_length=None, **kwargs):
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        for k in ("embeddings_regularizer", "activity_regularizer", "embeddings_constraint"):
            if kwargs.pop(k, None) is not None:
                raise NotImplementedError(f"Embedding: {k} is not supported by lamina.keras")
        super().__init__(autocast=False, **kwargs)
        if mask_zero:
            raise NotImplementedError("Embedding: mask_zero (masking) is not supported by "
                                      "lamina.keras")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.input_length = input_length
        self._init = embeddings_initializer
        self.embeddings_initializer = initializers.get(
            "random_uniform" if embeddings_initializer == "uniform" else embeddings_initializer)

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer)
        super().build(input_shape)

    def call(self, inputs):
        if inputs.dtype not in (D.int32, D.int64):
            inputs = ops.cast(inputs, D.int32)
        lead = [-1 if d is None else d for d in inputs.shape.as_list()]
        hot = ops.one_hot(ops.reshape(inputs, [-1]), self.input_dim, dtype=self._dtype)
        return ops.reshape(ops.matmul(hot, self.embeddings), lead + [self.output_dim])

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim, "input_length": self.input_length,
                "embeddings_initializer": _initializer_config(self._init)}
