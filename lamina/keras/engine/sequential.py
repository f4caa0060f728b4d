"""`Sequential`: a stack of layers, each called on the previous one's output. With an input
shape (`input_shape=` on the first layer, or an `Input` added first) it is a functional graph
from the start; otherwise it is built on its first call, for the shape it is called with."""

from __future__ import annotations

from .base_layer import Input, InputLayer, KerasTensor, Layer
from .training import Model

__all__ = ["Sequential"]


class Sequential(Model):
    def __init__(self, layers=None, name=None):
        super().__init__(name=name or None)
        self._stack = []
        self._input_tensor = None
        self._output_tensor = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: "
                            f"layer={layer} of type {type(layer)}.")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_tensor is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential")
            self._input_tensor = self._output_tensor = layer.output
            return
        self._stack.append(layer)
        if not any(layer is x for x in self._layers):
            self._layers.append(layer)
        if self._input_tensor is None and len(self._stack) == 1 and \
                layer._batch_input_shape is not None:
            self._input_tensor = self._output_tensor = Input(
                batch_shape=layer._batch_input_shape, dtype=layer.dtype,
                name=layer.name + "_input")
        if self._output_tensor is not None:
            out = layer(self._output_tensor)
            if not isinstance(out, KerasTensor):
                raise TypeError("All layers in a Sequential model should have a single output "
                                "tensor. For multi-output layers, use the functional API.")
            self._output_tensor = out
            self._set_graph()
        self._train_function = self._test_function = self._predict_function = None

    def pop(self):
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        if not any(layer is x for x in self._stack):
            self._layers.remove(layer)
        if self._input_tensor is not None:
            out = self._input_tensor
            for x in self._stack:
                out = x(out)
            self._output_tensor = out
            self._set_graph()

    def _set_graph(self):
        self._init_graph(self._input_tensor, self._output_tensor)

    def build(self, input_shape=None):
        if self._input_tensor is not None:
            self.built = True
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        shape = tuple(input_shape)
        # built from data: the batch dim stays free
        self._input_tensor = self._output_tensor = Input(batch_shape=(None,) + shape[1:])
        for layer in self._stack:
            self._output_tensor = layer(self._output_tensor)
        self._set_graph()

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x

    @property
    def layers(self):
        return list(self._stack)

    def _summary_layers(self):
        return self.layers

    def get_config(self):
        from ..saving import sequential_config
        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving import sequential_from_config
        return sequential_from_config(config, custom_objects)
