"""`Model`: layers with a training loop. Three ways to make one, as Keras: subclass it and
define `call`; `Model(inputs, outputs)` over KerasTensors (the functional API: the graph of
layer calls is replayed on data); or `Sequential`.

`compile` takes the optimizer, loss and metrics; `fit` runs `train_step` -- the forward pass
under a `GradientTape`, `tape.gradient`, `optimizer.apply_gradients`, the metrics' updates --
staged as one `lamina.function` (traced on the first batch, and once more if a last
smaller batch comes), unless `compile(run_eagerly=True)` or
`lamina.config.run_functions_eagerly(True)`. Inputs are cast to the dtypes of the model's
inputs (float32 unless an `Input` says otherwise), so uint8 images feed a float model.
"""

from __future__ import annotations

import numpy as np

from ...frontend import ops
from ...frontend.function import TensorSpec, function, functions_run_eagerly
from ...frontend.tensor import Tensor
from .. import callbacks as callbacks_mod, optimizers
from ..utils.layer_utils import print_summary
from . import data_adapter
from .base_layer import (InputLayer, KerasTensor, Layer, _has_keras_tensors, nest_flatten,
                         nest_map, symbolic_call)
from .compile_utils import LossesContainer, MetricsContainer

__all__ = ["Model"]


def _numpy_cast(a, dtype):
    return a if a.dtype == dtype.as_numpy_dtype else a.astype(dtype.as_numpy_dtype)


class Model(Layer):
    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if args:
            if len(args) != 2 or inputs is not None or outputs is not None:
                raise TypeError("Model() takes the functional API's `inputs` and `outputs`, or "
                                "keyword arguments only (subclassed models)")
            inputs, outputs = args
        super().__init__(**kwargs)
        self.optimizer = None
        self.compiled_loss = None
        self.compiled_metrics = None
        self.loss = None
        self.history = None
        self.stop_training = False
        self._run_eagerly = None
        self._train_function = self._test_function = self._predict_function = None
        self._graph_nodes = None
        self.inputs = self.outputs = None
        self._compile_config = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("The functional API needs both `inputs` and `outputs`")
            self._init_graph(inputs, outputs)

    # -- the functional graph ------------------------------------------------------------------
    def _init_graph(self, inputs, outputs):
        for t in nest_flatten(inputs) + nest_flatten(outputs):
            if not isinstance(t, KerasTensor):
                raise ValueError(f"Model's inputs and outputs must be KerasTensors (from "
                                 f"keras.Input and layer calls), got {t!r}")
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs, self.outputs = nest_flatten(inputs), nest_flatten(outputs)
        nodes, seen = [], set()

        def visit(t):
            layer, index, _ = t._keras_history
            node = layer._inbound_nodes[index]
            if id(node) in seen:
                return
            seen.add(id(node))
            for parent in node.flat_inputs:
                visit(parent)
            nodes.append(node)
        for t in self.outputs:
            visit(t)
        given = {id(t) for t in self.inputs}
        for node in nodes:
            if isinstance(node.layer, InputLayer) and id(node.outputs) not in given:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {node.outputs!r} at "
                    f"layer \"{node.layer.name}\". The following previous layers were accessed "
                    f"without issue: {[n.layer.name for n in nodes[:nodes.index(node)]]}")
        self._graph_nodes = nodes
        layers = []
        for node in nodes:
            if not any(node.layer is x for x in layers):
                layers.append(node.layer)
        for t in self.inputs:  # inputs that no output depends on still belong to the model
            if not any(t._keras_history[0] is x for x in layers):
                layers.insert(0, t._keras_history[0])
        self._graph_layers = layers
        for layer in layers:
            if not any(layer is x for x in self._layers):
                self._layers.append(layer)
        self._build_input_shape = [tuple(t.shape.as_list()) for t in self.inputs]
        self.built = True

    def _run_graph(self, inputs):
        flat = nest_flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f"Layer \"{self.name}\" expects {len(self.inputs)} input(s), but "
                             f"it received {len(flat)} input tensors.")
        values = {id(k): v for k, v in zip(self.inputs, flat)}
        for node in self._graph_nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = nest_map(lambda t: values[id(t)], node.inputs)
            out = node.layer(args, **node.kwargs)
            for k, v in zip(node.flat_outputs, nest_flatten(out)):
                values[id(k)] = v
        return nest_map(lambda t: values[id(t)], self._nested_outputs)

    def call(self, inputs, training=None, mask=None):
        if self._graph_nodes is None:
            raise NotImplementedError(f"Model {self.name} has no call: subclasses of Model "
                                      f"define call(self, inputs, training=None)")
        return self._run_graph(inputs)

    # -- inputs ---------------------------------------------------------------------------------
    def _input_dtypes(self, count):
        """The dtype each of `count` flat inputs is cast to: the Inputs' dtypes, or the model's
        float dtype for inputs that are not floats (None: kept)."""
        if self.inputs is not None and len(self.inputs) == count:
            return [t.dtype for t in self.inputs]
        return [None] * count

    def _conform(self, x, dtype, cast, is_float):
        if dtype is not None:
            return cast(x, dtype) if x.dtype != dtype else x
        return x if is_float(x) else cast(x, self._dtype)

    def _conform_tensors(self, inputs):
        flat = [x if isinstance(x, Tensor) else ops.convert_to_tensor(x)
                for x in nest_flatten(inputs)]
        dtypes = iter(self._input_dtypes(len(flat)))
        it = iter(flat)
        return nest_map(lambda _: self._conform(next(it), next(dtypes), ops.cast,
                                                lambda t: t.dtype.is_floating), inputs)

    def _conform_arrays(self, inputs):
        flat = nest_flatten(inputs)
        dtypes = iter(self._input_dtypes(len(flat)))
        it = iter(flat)
        return nest_map(lambda _: self._conform(next(it), next(dtypes), _numpy_cast,
                                                lambda a: a.dtype.kind == "f"), inputs)

    def __call__(self, *args, **kwargs):
        if args and not _has_keras_tensors(args[0]):
            args = (self._conform_tensors(args[0]),) + args[1:]
        return super().__call__(*args, **kwargs)

    def _maybe_build(self, inputs):
        # a subclassed model's layers build themselves in its first call
        if not self.built and self._graph_nodes is None and type(self).build is Model.build:
            self._build_input_shape = nest_map(lambda x: tuple(x.shape.as_list()), inputs)
            self.built = True
            return
        super()._maybe_build(inputs)

    def build(self, input_shape):
        """Build the layers for inputs of `input_shape` (a subclassed model's call runs once
        on symbolic tensors)."""
        if self._graph_nodes is not None:
            self.built = True
            return
        if input_shape is None:
            raise ValueError("Input shape must be defined when calling `build()` on a "
                             "`Model` subclass.")
        specs = [TensorSpec(s, self._dtype) for s in input_shape] if _is_shape_list(
            input_shape) else TensorSpec(input_shape, self._dtype)

        def run(x):
            kwargs = {"training": False} if self._call_takes_training else {}
            return self.call(x, **kwargs)
        symbolic_call(run, specs)
        self._build_input_shape = input_shape
        self.built = True

    # -- layers and weights --------------------------------------------------------------------
    @property
    def layers(self):
        if self._graph_nodes is not None:
            return list(self._graph_layers)
        return list(self._layers)

    def _summary_layers(self):
        return self.layers

    def get_layer(self, name=None, index=None):
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def summary(self, line_length=None, positions=None, print_fn=None):
        if not self.built:
            raise ValueError("This model has not yet been built. Build the model first by "
                             "calling `build()` or by calling the model on a batch of data.")
        print_summary(self, line_length, positions, print_fn)

    @property
    def metrics(self):
        out = []
        if self.compiled_loss is not None:
            out += self.compiled_loss.metrics
        if self.compiled_metrics is not None:
            out += self.compiled_metrics.metrics
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    # -- compiling ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None,
                jit_compile=None, **kwargs):
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) in `compile()`: {sorted(kwargs)}")
        if weighted_metrics:
            raise NotImplementedError("compile(weighted_metrics=...) is not supported by "
                                      "lamina.keras")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self.compiled_loss = LossesContainer(loss, loss_weights)
        self.compiled_metrics = MetricsContainer(metrics)
        self._run_eagerly = run_eagerly
        self._train_function = self._test_function = self._predict_function = None
        self._compile_config = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights}

    @property
    def run_eagerly(self):
        return bool(self._run_eagerly) or functions_run_eagerly()

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = value
        self._train_function = self._test_function = self._predict_function = None

    def _assert_compiled(self, what):
        if self.optimizer is None or self.compiled_loss is None:
            raise RuntimeError(f"You must compile your model before {what}. Use "
                               f"`model.compile(optimizer, loss)`.")

    # -- the steps ------------------------------------------------------------------------------
    def train_step(self, data):
        """One step of gradient descent on a batch (x, y[, sample_weight]); returns the
        metrics' running values. Staged by fit as one function."""
        from ... import GradientTape
        x, y, sample_weight = _unpack(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, sample_weight, self.losses)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y, sample_weight = _unpack(data)
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, sample_weight, self.losses)
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def predict_step(self, data):
        x, _, _ = _unpack(data)
        return self(x, training=False)

    def _staged(self, step, name):
        def run(*data):
            return step(data)
        run.__name__ = name
        # one trace per batch shape (a last smaller batch traces once more): static shapes
        # compile to faster code than a dynamic batch dim
        return run if self.run_eagerly else function(run)

    def make_train_function(self):
        if self._train_function is None:
            self._train_function = self._staged(self.train_step, "train_function")
        return self._train_function

    def make_test_function(self):
        if self._test_function is None:
            self._test_function = self._staged(self.test_step, "test_function")
        return self._test_function

    def make_predict_function(self):
        if self._predict_function is None:
            self._predict_function = self._staged(self.predict_step, "predict_function")
        return self._predict_function

    # -- the loops ------------------------------------------------------------------------------
    def _prepare(self, x, y=None, sample_weight=None):
        x = data_adapter.to_arrays(x)
        if x is None:
            raise ValueError("Expected input data (x) to be non-empty.")
        return self._conform_arrays(x), data_adapter.to_arrays(y), \
            data_adapter.to_arrays(sample_weight)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Train for `epochs` over (x, y) in batches of `batch_size` (32); returns the
        History."""
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) in `fit()`: {sorted(kwargs)}")
        if class_weight is not None or steps_per_epoch is not None:
            raise NotImplementedError("fit(class_weight=..., steps_per_epoch=...) are not "
                                      "supported by lamina.keras")
        self._assert_compiled("training/testing")
        if y is None:
            raise ValueError("fit() needs targets `y`: lamina.keras takes (x, y) arrays")
        batch_size = batch_size or 32
        verbose = 1 if verbose == "auto" else verbose
        datas = list(self._prepare(x, y, sample_weight))
        val = None
        if validation_data is not None:
            vx, vy, *rest = tuple(validation_data)
            val = list(self._prepare(vx, vy, rest[0] if rest else None))
        elif validation_split:
            datas, val = data_adapter.train_validation_split(datas, validation_split)
        n = data_adapter.num_samples(*datas)
        steps = data_adapter.num_batches(n, batch_size)
        cbs = callbacks_mod.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                         model=self, verbose=verbose, epochs=epochs,
                                         steps=steps, mode="fit")
        train_function = self.make_train_function()
        self.stop_training = False
        cbs.on_train_begin()
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            order = data_adapter.shuffle_order(n) if shuffle else None
            for step, batch in enumerate(data_adapter.batches(datas, batch_size, order)):
                cbs.on_train_batch_begin(step)
                logs = _to_floats(train_function(*_step_args(batch)))
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_arrays(val, validation_batch_size or batch_size,
                                                 None, verbose=0)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end()
        return cbs.history

    def _evaluate_arrays(self, datas, batch_size, callbacks, verbose):
        n = data_adapter.num_samples(*datas)
        steps = data_adapter.num_batches(n, batch_size)
        cbs = callbacks_mod.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                         verbose=verbose, epochs=1, steps=steps,
                                         mode="evaluate")
        test_function = self.make_test_function()
        self.reset_metrics()
        cbs.on_test_begin()
        logs = {}
        for step, batch in enumerate(data_adapter.batches(datas, batch_size)):
            cbs.on_test_batch_begin(step)
            logs = _to_floats(test_function(*_step_args(batch)))
            cbs.on_test_batch_end(step, logs)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics over (x, y): a scalar (loss only), a list in metrics_names'
        order, or a dict with return_dict."""
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) in `evaluate()`: {sorted(kwargs)}")
        self._assert_compiled("training/testing")
        if y is None:
            raise ValueError("evaluate() needs targets `y`: lamina.keras takes (x, y) arrays")
        logs = self._evaluate_arrays(list(self._prepare(x, y, sample_weight)),
                                     batch_size or 32, callbacks,
                                     1 if verbose == "auto" else verbose)
        if return_dict:
            return logs
        values = [logs[k] for k in self.metrics_names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, **kwargs):
        """The model's outputs on x, batch by batch, as numpy arrays."""
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) in `predict()`: {sorted(kwargs)}")
        x = self._prepare(x)[0]
        batch_size = batch_size or 32
        verbose = 1 if verbose == "auto" else verbose
        n = data_adapter.num_samples(x)
        cbs = callbacks_mod.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                         verbose=verbose, epochs=1,
                                         steps=data_adapter.num_batches(n, batch_size),
                                         mode="predict")
        predict_function = self.make_predict_function()
        cbs.on_predict_begin()
        outs = []
        for step, (bx,) in enumerate(data_adapter.batches([x], batch_size)):
            cbs.on_predict_batch_begin(step)
            outs.append(nest_map(lambda t: t.numpy(), predict_function(bx)))
            cbs.on_predict_batch_end(step)
        cbs.on_predict_end()
        first = outs[0]
        if isinstance(first, (list, tuple)):
            return [np.concatenate([o[i] for o in outs]) for i in range(len(first))]
        return np.concatenate(outs)

    def train_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                       return_dict=False):
        self._assert_compiled("training/testing")
        if reset_metrics:
            self.reset_metrics()
        x, y, sw = self._prepare(x, y, sample_weight)
        batch = next(data_adapter.batches([x, y, sw], data_adapter.num_samples(x)))
        logs = _to_floats(self.make_train_function()(*_step_args(batch)))
        return logs if return_dict else _values(logs, self.metrics_names)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        self._assert_compiled("training/testing")
        if reset_metrics:
            self.reset_metrics()
        x, y, sw = self._prepare(x, y, sample_weight)
        batch = next(data_adapter.batches([x, y, sw], data_adapter.num_samples(x)))
        logs = _to_floats(self.make_test_function()(*_step_args(batch)))
        return logs if return_dict else _values(logs, self.metrics_names)

    def predict_on_batch(self, x):
        x = self._prepare(x)[0]
        (bx,) = next(data_adapter.batches([x], data_adapter.num_samples(x)))
        return nest_map(lambda t: t.numpy(), self.make_predict_function()(bx))

    # -- saving -----------------------------------------------------------------------------------
    def save_weights(self, filepath, overwrite=True, save_format=None):
        from ..saving import save_weights
        save_weights(self, filepath, overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False):
        from ..saving import load_weights
        if by_name or skip_mismatch:
            raise NotImplementedError("load_weights(by_name=..., skip_mismatch=...) are not "
                                      "supported by lamina.keras")
        load_weights(self, filepath)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None):
        from ..saving import save_model
        save_model(self, filepath, overwrite, include_optimizer)

    def get_config(self):
        if self._graph_nodes is None:
            raise NotImplementedError(
                f"Model {self.name} is a subclassed model: its architecture is Python code "
                f"that lamina.keras cannot save. Save its weights with save_weights() and "
                f"rebuild it in code (or use the functional API or Sequential).")
        from ..saving import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving import functional_from_config
        return functional_from_config(config, custom_objects)


def _is_shape_list(input_shape):
    """Whether `input_shape` is several shapes (a list of tuples or TensorShapes)."""
    return isinstance(input_shape, list) and bool(input_shape) and not isinstance(
        input_shape[0], (int, type(None)))


def _unpack(data):
    data = tuple(data)
    return data + (None,) * (3 - len(data))


def _step_args(batch):
    """The arguments of a staged step: (x, y) or (x, y, sample_weight)."""
    return batch if batch[-1] is not None else batch[:-1]


def _to_floats(logs):
    return {k: float(v) for k, v in logs.items()}


def _values(logs, names):
    values = [logs[k] for k in names]
    return values[0] if len(values) == 1 else values
