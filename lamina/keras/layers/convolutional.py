"""Conv2D (channels_last: NHWC inputs, (kh, kw, in, filters) kernels)."""

from __future__ import annotations

from ...frontend import nn, ops
from .. import activations, initializers
from ..engine.base_layer import Layer
from .core import _initializer_config

__all__ = ["Conv2D", "pair", "check_data_format", "check_padding"]


def pair(v, what):
    """An int or a pair of ints as a tuple of two."""
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(x) for x in v)
    if len(v) != 2:
        raise ValueError(f"The `{what}` argument must be a tuple of 2 integers. Received: {v}")
    return v


def check_data_format(data_format, layer):
    if data_format not in (None, "channels_last"):
        if data_format == "channels_first":
            raise NotImplementedError(f"{layer}: data_format='channels_first' is not supported "
                                      f"by lamina.keras (use channels_last: NHWC)")
        raise ValueError(f"The `data_format` argument must be one of \"channels_first\", "
                         f"\"channels_last\". Received: {data_format}")
    return "channels_last"


def check_padding(padding):
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be a list/tuple or one of \"valid\", "
                         f"\"same\" (or \"causal\", only for `Conv1D). Received: {padding}")
    return p


class Conv2D(Layer):
    """2-D convolution: activation(conv2d(inputs, kernel) + bias)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        for k in ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                  "kernel_constraint", "bias_constraint"):
            if kwargs.pop(k, None) is not None:
                raise NotImplementedError(f"Conv2D: {k} is not supported by lamina.keras")
        super().__init__(**kwargs)
        if groups != 1:
            raise NotImplementedError("Conv2D: grouped convolutions are not supported")
        self.filters = int(filters)
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.strides = pair(strides, "strides")
        self.padding = check_padding(padding)
        self.data_format = check_data_format(data_format, "Conv2D")
        self.dilation_rate = pair(dilation_rate, "dilation_rate")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._init_config = (kernel_initializer, bias_initializer)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the "
                             f"layer: expected min_ndim=4, found ndim={len(input_shape)}. "
                             f"Full shape received: {tuple(input_shape)}")
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             "`None`.")
        self.kernel = self.add_weight("kernel", self.kernel_size + (channels, self.filters),
                                      initializer=self.kernel_initializer)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer) \
            if self.use_bias else None
        super().build(input_shape)

    def call(self, inputs):
        y = nn.conv2d(inputs, self.kernel, self.strides, self.padding.upper(),
                      dilations=self.dilation_rate)
        if self.use_bias:
            y = ops.add(y, self.bias)
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate),
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": _initializer_config(self._init_config[0]),
                "bias_initializer": _initializer_config(self._init_config[1])}
