"""`Layer`: the unit of Keras models. A layer owns Variables (made by `add_weight` when the
layer is first called, under `backend.init_scope`, so that a first call inside a staged train
step still makes them eagerly), tracks the layers assigned to its attributes (their weights are
its weights), and is called on tensors (computing) or on `KerasTensor`s (the functional API:
recording a `Node` and inferring the output's shape by tracing `call` once, symbolically).

`training=` reaches nested layers through the call context: a layer called without it takes
the value of the innermost call that had one (False at the top level).
"""

from __future__ import annotations

import inspect
import re

import numpy as np

from ...frontend import dtypes as D
from ...frontend import ops
from ...frontend.context import executor_scope
from ...frontend.function import TensorSpec, _Trace
from ...frontend.tensor import Tensor
from ...frontend.tensor_shape import TensorShape
from ...frontend.variables import Variable
from .. import backend, initializers

__all__ = ["Layer", "KerasTensor", "Node", "InputLayer", "Input", "nest_flatten", "nest_map",
           "to_snake_case", "shape_of"]


# -- nested structures (lists, tuples, dicts of tensors) ----------------------------------------

def nest_flatten(x):
    if isinstance(x, (list, tuple)):
        return [y for e in x for y in nest_flatten(e)]
    if isinstance(x, dict):
        return [y for k in sorted(x) for y in nest_flatten(x[k])]
    return [x]


def nest_map(fn, x):
    if isinstance(x, list):
        return [nest_map(fn, e) for e in x]
    if isinstance(x, tuple):
        return tuple(nest_map(fn, e) for e in x)
    if isinstance(x, dict):
        return {k: nest_map(fn, v) for k, v in x.items()}
    return fn(x)


def to_snake_case(name):
    """Keras's class name -> layer name rule: MaxPooling2D -> max_pooling2d."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def shape_of(x):
    """The TensorShape of a tensor, KerasTensor, Variable or array."""
    s = x.shape
    return s if isinstance(s, TensorShape) else TensorShape(s)


# -- the functional API's symbolic tensors -----------------------------------------------------

class KerasTensor:
    """A symbolic tensor of the functional API: a shape (None for the batch dim), a dtype,
    and the layer call that made it (`_keras_history`: layer, node index, tensor index)."""

    def __init__(self, shape, dtype, history=None, name=None):
        self.shape = TensorShape(shape)
        self.dtype = D.as_dtype(dtype)
        self._keras_history = history
        self.name = name

    @property
    def ndim(self):
        return self.shape.rank

    def __repr__(self):
        by = f" (created by layer '{self._keras_history[0].name}')" if self._keras_history \
            else ""
        return f"<KerasTensor: shape={self.shape} dtype={self.dtype.name}{by}>"

    def __bool__(self):
        raise TypeError(f"{self!r} is symbolic (the functional API): it has no value to use "
                        f"as a Python bool")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"{self!r} is symbolic (the functional API): it has no value until "
                        f"the model is called on data")


def _has_keras_tensors(x):
    return any(isinstance(t, KerasTensor) for t in nest_flatten(x))


class Node:
    """One call of a layer in a functional graph: its input and output KerasTensors (nested
    as the call had them) and the call's other keyword arguments."""

    def __init__(self, layer, inputs, outputs, kwargs):
        self.layer = layer
        self.inputs = inputs
        self.outputs = outputs
        self.kwargs = kwargs
        self.flat_inputs = nest_flatten(inputs)
        self.flat_outputs = nest_flatten(outputs)

    @property
    def parents(self):
        """The (layer, node index) of each input."""
        return [t._keras_history[:2] for t in self.flat_inputs]


def symbolic_call(fn, specs):
    """Run `fn` on symbolic tensors of `specs` (nested TensorSpecs) under a scratch trace that
    is never compiled: TensorSpecs of the results, at the cost of building IR only."""
    trace = _Trace("keras_shape_inference")
    placeholders = nest_map(trace.add_input, specs)
    with executor_scope(trace), backend.training_scope(False):
        out = fn(placeholders)

    def result(t):
        if not isinstance(t, Tensor):
            raise TypeError(f"a layer's call must return tensors, got {t!r}")
        return TensorSpec(t.shape, t.dtype)
    return nest_map(result, out)


# -- layers ---------------------------------------------------------------------------------------

class Layer:
    """The base class of layers (see the module's doc). Subclasses define `build(input_shape)`
    (making weights with `add_weight`) and `call(inputs, training=None)`."""

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None,
                 batch_input_shape=None, batch_size=None, input_dim=None, dynamic=False,
                 autocast=True, **kwargs):
        if kwargs:
            raise TypeError(f"('Keyword argument not understood:', {next(iter(kwargs))!r})")
        object.__setattr__(self, "_layers", [])
        self._name = name or backend.unique_object_name(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self._dtype = D.as_dtype(dtype or backend.floatx())
        self._autocast = autocast
        self.built = False
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._inbound_nodes = []
        self._build_input_shape = None
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size,) + tuple(input_shape)
        self._batch_input_shape = None if batch_input_shape is None else tuple(
            batch_input_shape)
        params = inspect.signature(self.call).parameters
        self._call_takes_training = "training" in params or any(
            p.kind is p.VAR_KEYWORD for p in params.values())

    # -- attributes ---------------------------------------------------------------------------
    def __setattr__(self, key, value):
        layers = [v for v in (value if isinstance(value, (list, tuple)) else [value])
                  if isinstance(v, Layer)]
        if layers and "_layers" not in self.__dict__:
            raise RuntimeError(
                f"It looks like you are subclassing `{type(self).__name__}` and you forgot to "
                f"call `super().__init__()`. Always start with this line.")
        for v in layers:
            if v is not self and not any(v is u for u in self._layers):
                self._layers.append(v)
        object.__setattr__(self, key, value)

    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        for layer in self._flatten_layers():
            layer._trainable = bool(value)

    def _flatten_layers(self):
        """This layer and the layers it tracks, depth first, each once."""
        seen, out = set(), []

        def walk(layer):
            if id(layer) in seen:
                return
            seen.add(id(layer))
            out.append(layer)
            for sub in layer._layers:
                walk(sub)
        walk(self)
        return out

    # -- weights ------------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None, **kwargs):
        """Make a Variable `layer_name/name:0` of `shape`, initialized by `initializer`
        (glorot_uniform for floats by default), eagerly whatever runs the ops now."""
        if regularizer is not None or constraint is not None:
            raise NotImplementedError(f"{self.name}: weight regularizers and constraints are "
                                      f"not supported by lamina.keras")
        dtype = D.as_dtype(dtype or self._dtype)
        shape = tuple(int(d) for d in (shape or ()))
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        init = initializers.get(initializer)
        with backend.init_scope():
            v = Variable(init(shape, dtype=dtype), trainable=trainable,
                         name=f"{self._name}/{name}", dtype=dtype)
        (self._trainable_weights if trainable else self._non_trainable_weights).append(v)
        return v

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out = list(self._trainable_weights)
        for layer in self._layers:
            out += layer.trainable_weights
        return _dedup(out)

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            out = self._trainable_weights + self._non_trainable_weights
            for layer in self._layers:
                out += layer.weights
            return _dedup(out)
        out = list(self._non_trainable_weights)
        for layer in self._layers:
            out += layer.non_trainable_weights
        return _dedup(out)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def get_weights(self):
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer \"{self.name}\" with a weight "
                f"list of length {len(weights)}, but the layer was expecting {len(params)} "
                f"weights. Provided weights: {str(weights)[:50]}...")
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(v.shape) != w.shape:
                raise ValueError(f"Layer {self.name} weight shape {tuple(v.shape)} is not "
                                 f"compatible with provided weight shape {w.shape}.")
            v.assign(w.astype(v.dtype.as_numpy_dtype))

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name}, but the "
                             f"layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(int(np.prod(v.shape.as_list())) for v in self.weights))

    @property
    def losses(self):
        return []

    # -- building and calling -----------------------------------------------------------------
    def build(self, input_shape):
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def _maybe_build(self, inputs):
        if self.built:
            return
        shapes = nest_map(shape_of, inputs)
        with backend.init_scope():
            self.build(shapes if not isinstance(shapes, list) or len(shapes) != 1
                       else shapes[0])
        if self._build_input_shape is None:
            self._build_input_shape = shapes
        self.built = True

    def _cast_input(self, x):
        """Tensors and arrays of floats become tensors of the layer's dtype (Keras's
        autocast); other dtypes are kept."""
        if isinstance(x, Variable):
            x = x.read_value()
        elif not isinstance(x, Tensor):
            x = ops.convert_to_tensor(x)
        if self._autocast and x.dtype.is_floating and x.dtype != self._dtype:
            x = ops.cast(x, self._dtype)
        return x

    def __call__(self, *args, **kwargs):
        if args:
            inputs, args = args[0], args[1:]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        else:
            raise TypeError(f"{self.name}: a layer is called with its inputs as the first "
                            f"argument")
        if _has_keras_tensors(inputs):
            return self._functional_call(inputs, args, kwargs)
        inputs = nest_map(self._cast_input, inputs)
        self._maybe_build(inputs)
        training = kwargs.pop("training", None)
        if training is None:
            training = backend.call_context.training
        if self._call_takes_training:
            kwargs["training"] = bool(training) if training is not None else False
        with backend.training_scope(training):
            return self.call(inputs, *args, **kwargs)

    def _functional_call(self, inputs, args, kwargs):
        """Called on KerasTensors: build, infer the outputs' shapes, record a Node."""
        specs = nest_map(lambda t: TensorSpec(t.shape, t.dtype), inputs)
        self._maybe_build(inputs)
        kwargs = {k: v for k, v in kwargs.items() if k != "training"}

        def run(x):
            return self(x, *args, **kwargs)
        shapes = symbolic_call(run, specs)
        index = len(self._inbound_nodes)
        count = iter(range(1 << 30))
        outputs = nest_map(lambda s: KerasTensor(s.shape, s.dtype, (self, index, next(count))),
                           shapes)
        if not isinstance(outputs, (list, tuple, dict, KerasTensor)):
            raise TypeError(f"{self.name}: unexpected outputs {outputs!r}")
        self._inbound_nodes.append(Node(self, inputs, outputs, dict(kwargs)))
        return outputs

    # -- shapes seen in a functional graph ----------------------------------------------------
    def _node_attr(self, which, what):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer \"{self.name}\" has never been called and thus "
                                 f"has no defined {what}.")
        shapes = {repr(_shape_struct(getattr(n, which))) for n in self._inbound_nodes}
        if len(shapes) > 1:
            raise AttributeError(f"The layer \"{self.name}\" has multiple inbound nodes, with "
                                 f"different {what}s. Hence the notion of \"{what}\" is "
                                 f"ill-defined for the layer. Use `get_{what.replace(' ', '_')}"
                                 f"_at(node_index)` instead.")
        return _shape_struct(getattr(self._inbound_nodes[0], which))

    @property
    def output_shape(self):
        return self._node_attr("outputs", "output shape")

    @property
    def input_shape(self):
        return self._node_attr("inputs", "input shape")

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has no inbound nodes.")
        return self._inbound_nodes[0].outputs

    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no input to return.")
        return self._inbound_nodes[0].inputs

    # -- configuration ------------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object '{self.name}'>"


def _shape_struct(x):
    """Output shape as Keras shows it: a tuple per tensor (lists for several)."""
    return nest_map(lambda t: tuple(t.shape.as_list()), x)


def _dedup(variables):
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


# -- inputs ---------------------------------------------------------------------------------------

class InputLayer(Layer):
    """The layer behind `Input`: it makes the graph's input KerasTensor."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None,
                 batch_input_shape=None, **kwargs):
        if not name:
            name = f"input_{backend.get_uid('input')}"
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("An InputLayer needs `input_shape` or `batch_input_shape`")
            batch_input_shape = (batch_size,) + tuple(input_shape)
        super().__init__(name=name, dtype=dtype, batch_input_shape=batch_input_shape, **kwargs)
        self.built = True
        out = KerasTensor(self._batch_input_shape, self._dtype, (self, 0, 0), name=name)
        self._inbound_nodes.append(Node(self, [], out, {}))

    @property
    def output_shape(self):
        # Keras shows an InputLayer's shape as a list: [(None, 28, 28)]
        return [tuple(self._batch_input_shape)]

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None, **kwargs):
    """A KerasTensor, the input of a functional model: `shape` without the batch dim."""
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {list(kwargs)}")
    if shape is None and batch_shape is None:
        raise ValueError("Please provide to Input a `shape` or a `batch_shape` argument. Note "
                         "that `shape` does not include the batch dimension.")
    if isinstance(shape, int):
        shape = (shape,)
    layer = InputLayer(input_shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                       batch_input_shape=batch_shape)
    return layer.output
