"""Saving and loading: `model.save_weights(path)` / `model.load_weights(path)`, and
`model.save(path)` / `keras.models.load_model(path)`.

The file format (one format for both; the file is written at exactly the path given, whatever
its suffix) is a NumPy `.npz` archive, a zip file readable with `numpy.load(path,
allow_pickle=False)`:

- `__lamina_keras__`: a 0-d unicode array holding a JSON header:
  `{"format": "lamina.keras.weights" | "lamina.keras.model", "version": 1,
    "weights": [{"name": "dense/kernel:0", "shape": [784, 10], "dtype": "float32"}, ...],
    "optimizer_weights": [...same...],            (model files with an optimizer)
    "config": {"class_name": "Sequential" | "Functional", "config": {...}},   (model files)
    "compile": {"optimizer": {...}, "loss": ..., "metrics": [...]}}          (model files)`
- `weight_0000`, `weight_0001`, ...: the values of `model.weights`, in that order (the
  trainable weights, then the others, each layer's in the order it made them);
- `optimizer_0000`, ...: the optimizer's variables (`iterations`, then its slots).

Values are stored bit for bit, so saving and loading round-trips exactly. Loading checks the
header, the number of weights, and each shape and dtype against the model, and reports a
truncated or foreign file as a ValueError naming the path. Layer configs are Keras's
(`get_config()` of each layer; a functional model's `layers` list each layer's `inbound_nodes`
as `[layer name, node index, tensor index, {}]`).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from .. import __version__
from . import layers as layers_mod
from . import losses as losses_mod
from . import metrics as metrics_mod
from . import optimizers as optimizers_mod

__all__ = ["save_weights", "load_weights", "save_model", "load_model", "functional_config",
           "functional_from_config", "sequential_config", "sequential_from_config"]

_HEADER = "__lamina_keras__"
_VERSION = 1


# -- the archive ---------------------------------------------------------------------------------

def _describe(variables):
    return [{"name": v.name, "shape": v.shape.as_list(), "dtype": v.dtype.name}
            for v in variables]


def _write(path, header, arrays, overwrite):
    path = os.fspath(path)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".lamina-keras-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{_HEADER: np.array(json.dumps(header))}, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read(path, what):
    """(header, {name: array}) of a lamina.keras file; clear errors for anything else."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Unable to open file {path!r}: no such file")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"Unable to load {what} from {path!r}: the file is truncated, "
                         f"damaged, or not a lamina.keras file (it is not a zip/.npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _HEADER not in archive.files:
                raise ValueError(f"Unable to load {what} from {path!r}: it is not a "
                                 f"lamina.keras file (a .npz archive without a "
                                 f"'{_HEADER}' header; it holds {sorted(archive.files)[:5]})")
            header = json.loads(str(archive[_HEADER]))
            arrays = {k: archive[k] for k in archive.files if k != _HEADER}
    except ValueError:
        raise
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, json.JSONDecodeError,
            UnicodeDecodeError) as e:
        raise ValueError(f"Unable to load {what} from {path!r}: the file is truncated, "
                         f"damaged, or not a lamina.keras file ({type(e).__name__}: {e})"
                         ) from None
    if not isinstance(header, dict) or not str(header.get("format", "")).startswith(
            "lamina.keras."):
        raise ValueError(f"Unable to load {what} from {path!r}: not a lamina.keras file")
    if header.get("version", 0) > _VERSION:
        raise ValueError(f"Unable to load {what} from {path!r}: format version "
                         f"{header.get('version')} is newer than this lamina ({_VERSION})")
    return header, arrays


def _assign(variables, entries, arrays, prefix, path, owner):
    if len(entries) != len(variables):
        raise ValueError(f"Unable to load weights from {path!r}: the file has "
                         f"{len(entries)} {prefix} weights, {owner} has {len(variables)}")
    values = []
    for i, (v, e) in enumerate(zip(variables, entries)):
        key = f"{prefix}_{i:04d}"
        if key not in arrays:
            raise ValueError(f"Unable to load weights from {path!r}: {key} is missing (the file "
                             f"is truncated or damaged)")
        a = arrays[key]
        if list(a.shape) != v.shape.as_list() or a.dtype != v.dtype.as_numpy_dtype:
            raise ValueError(f"Unable to load weights from {path!r}: weight #{i} "
                             f"({e.get('name')}) has shape {list(a.shape)} and dtype {a.dtype} "
                             f"in the file, but {v.name} of {owner} has shape "
                             f"{v.shape.as_list()} and dtype {v.dtype.name}")
        values.append(a)
    for v, a in zip(variables, values):
        v.assign(a)


def _check_built(model):
    if not model.built:
        raise ValueError(f"Model {model.name} is not built, so it has no weights yet: call it "
                         f"on a batch of data or call build(input_shape) first")


# -- weights -------------------------------------------------------------------------------------

def save_weights(model, path, overwrite=True):
    _check_built(model)
    weights = model.weights
    header = {"format": "lamina.keras.weights", "version": _VERSION,
              "lamina_version": __version__, "weights": _describe(weights)}
    _write(path, header, {f"weight_{i:04d}": v.numpy() for i, v in enumerate(weights)},
           overwrite)


def load_weights(model, path):
    _check_built(model)
    header, arrays = _read(path, "weights")
    _assign(model.weights, header.get("weights", []), arrays, "weight", os.fspath(path),
            f"model {model.name}")


# -- whole models --------------------------------------------------------------------------------

def _compile_config(model):
    c = model._compile_config
    if c is None or model.optimizer is None:
        return None
    try:
        return {"optimizer": optimizers_mod.serialize(model.optimizer),
                "loss": None if c["loss"] is None else
                [losses_mod.serialize(x) for x in c["loss"]] if isinstance(c["loss"], list)
                else losses_mod.serialize(c["loss"]),
                "metrics": [metrics_mod.serialize(m) for m in (c["metrics"] or [])],
                "loss_weights": c["loss_weights"]}
    except ValueError as e:
        warnings.warn(f"model.save: the compile() arguments are not saved ({e}); the loaded "
                      f"model will need compile()")
        return None


def save_model(model, path, overwrite=True, include_optimizer=True):
    _check_built(model)
    config = {"class_name": "Sequential" if type(model).__name__ == "Sequential"
              else "Functional", "config": model.get_config()}
    weights = model.weights
    header = {"format": "lamina.keras.model", "version": _VERSION,
              "lamina_version": __version__, "config": config, "weights": _describe(weights),
              "compile": _compile_config(model)}
    arrays = {f"weight_{i:04d}": v.numpy() for i, v in enumerate(weights)}
    if include_optimizer and header["compile"] is not None:
        opt_vars = model.optimizer.variables()
        header["optimizer_weights"] = _describe(opt_vars)
        arrays.update({f"optimizer_{i:04d}": v.numpy() for i, v in enumerate(opt_vars)})
    _write(path, header, arrays, overwrite)


def load_model(path, custom_objects=None, compile=True):
    """The model saved at `path` by model.save: architecture, weights and (with `compile`)
    optimizer, loss and metrics."""
    from .engine.sequential import Sequential
    from .engine.training import Model
    path = os.fspath(path)
    header, arrays = _read(path, "model")
    if header.get("format") != "lamina.keras.model":
        raise ValueError(f"Unable to load a model from {path!r}: it holds weights only "
                         f"(save_weights); build the model in code and call load_weights")
    config = header["config"]
    cls = Sequential if config.get("class_name") == "Sequential" else Model
    model = cls.from_config(config["config"], custom_objects)
    _assign(model.weights, header["weights"], arrays, "weight", path, f"model {model.name}")
    c = header.get("compile")
    if compile and c is not None:
        model.compile(optimizer=optimizers_mod.deserialize(c["optimizer"]),
                      loss=_loss_of(c["loss"], custom_objects),
                      metrics=[_metric_of(m, custom_objects) for m in c["metrics"]],
                      loss_weights=c.get("loss_weights"))
        entries = header.get("optimizer_weights")
        if entries:
            opt = model.optimizer
            opt._create_slots(model.trainable_variables)
            _assign(opt.variables(), entries, arrays, "optimizer", path,
                    f"the optimizer {opt.name}")
    return model


def _loss_of(loss, custom_objects):
    if isinstance(loss, list):
        return [_loss_of(x, custom_objects) for x in loss]
    if isinstance(loss, str) and custom_objects and loss in custom_objects:
        return custom_objects[loss]
    return losses_mod.get(loss)


def _metric_of(metric, custom_objects):
    if isinstance(metric, str) and custom_objects and metric in custom_objects:
        return custom_objects[metric]
    return metric if isinstance(metric, str) else metrics_mod.get(metric)


# -- architectures ---------------------------------------------------------------------------------

def _layer_from_config(entry, custom_objects):
    cls = layers_mod.get(entry["class_name"], custom_objects)
    return cls.from_config(dict(entry["config"]))


def sequential_config(model):
    config = {"name": model.name, "layers": [layers_mod.serialize(x) for x in model.layers]}
    first = model.layers[0] if model.layers else None
    if model._input_tensor is not None and (first is None or first._batch_input_shape is None):
        t = model._input_tensor
        config["input"] = {"batch_shape": t.shape.as_list(), "dtype": t.dtype.name,
                           "name": t._keras_history[0].name}
    return config


def sequential_from_config(config, custom_objects=None):
    from .engine.base_layer import Input
    from .engine.sequential import Sequential
    model = Sequential(name=config.get("name"))
    if "input" in config:
        i = config["input"]
        model.add(Input(batch_shape=tuple(i["batch_shape"]), dtype=i["dtype"], name=i["name"]))
    made = {}
    for entry in config["layers"]:
        name = entry["config"].get("name")
        layer = made.get(name)
        if layer is None or entry != made[name + "\0config"]:
            layer = _layer_from_config(entry, custom_objects)
            made[name], made[name + "\0config"] = layer, entry
        model.add(layer)
    return model


def functional_config(model):
    nodes_of = {}
    for node in model._graph_nodes:
        nodes_of.setdefault(id(node.layer), []).append(node)

    def ref(t):
        layer, index, tensor_index = t._keras_history
        node = layer._inbound_nodes[index]
        local = next(i for i, n in enumerate(nodes_of[id(layer)]) if n is node)
        return [layer.name, local, tensor_index, {}]

    layers = []
    for layer in model.layers:
        entry = layers_mod.serialize(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [] if isinstance(layer, layers_mod.InputLayer) else [
            {"inputs": [ref(t) for t in node.flat_inputs],
             "as_list": isinstance(node.inputs, (list, tuple)), "kwargs": node.kwargs}
            for node in nodes_of.get(id(layer), [])]
        layers.append(entry)
    return {"name": model.name, "layers": layers,
            "input_layers": [ref(t)[:3] for t in model.inputs],
            "output_layers": [ref(t)[:3] for t in model.outputs],
            "outputs_as_list": isinstance(model._nested_outputs, (list, tuple)),
            "inputs_as_list": isinstance(model._nested_inputs, (list, tuple))}


def functional_from_config(config, custom_objects=None):
    from .engine.base_layer import nest_flatten
    from .engine.training import Model
    made = {}        # layer name -> layer
    tensors = {}     # (layer name, local node index, tensor index) -> KerasTensor
    pending = []     # (layer entry, node index, node) still to call
    for entry in config["layers"]:
        layer = _layer_from_config(entry, custom_objects)
        made[entry["name"]] = layer
        if isinstance(layer, layers_mod.InputLayer):
            tensors[(entry["name"], 0, 0)] = layer.output
        for i, node in enumerate(entry["inbound_nodes"]):
            pending.append((entry["name"], i, node))
    while pending:
        progress = False
        for item in list(pending):
            name, index, node = item
            refs = [tuple(r[:3]) for r in node["inputs"]]
            if not all(r in tensors for r in refs):
                continue
            # a layer's nodes are made in order (a later one may not come first)
            if index and (name, index - 1, 0) not in tensors:
                continue
            ins = [tensors[r] for r in refs]
            out = made[name](ins if node["as_list"] else ins[0], **node.get("kwargs", {}))
            for k, t in enumerate(nest_flatten(out)):
                tensors[(name, index, k)] = t
            pending.remove(item)
            progress = True
        if not progress:
            raise ValueError(f"cannot rebuild the functional model {config.get('name')}: the "
                             f"layers {[p[0] for p in pending]} have inputs that no layer makes")
    ins = [tensors[tuple(r)] for r in config["input_layers"]]
    outs = [tensors[tuple(r)] for r in config["output_layers"]]
    return Model(ins if config.get("inputs_as_list") else ins[0],
                 outs if config.get("outputs_as_list") else outs[0], name=config.get("name"))
