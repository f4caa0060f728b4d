"""`model.summary()`, as tf.keras 2 prints it: one row per layer, with its output shape
('multiple' where a layer has none or several) and its parameter count; models whose layers
form a chain get three columns, others a fourth, 'Connected to'."""

from __future__ import annotations

import numpy as np

__all__ = ["print_summary", "count_params"]


def count_params(weights):
    return int(sum(int(np.prod(w.shape.as_list())) for w in weights))


def _print_row(fields, positions, print_fn):
    line = ""
    for i, field in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(field)
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    print_fn(line)


def _output_shape(layer):
    try:
        shape = layer.output_shape
    except AttributeError:
        return "multiple"
    return str(shape)


def _is_chain(model):
    """Whether each layer of a graph model has one node and one input (a Sequential-like
    model); subclassed models count as chains."""
    nodes = getattr(model, "_graph_nodes", None)
    if nodes is None:
        return True
    for layer in model.layers:
        if len(layer._inbound_nodes) > 1:
            return False
        for node in layer._inbound_nodes:
            if len(node.flat_inputs) > 1:
                return False
    return True


def print_summary(model, line_length=None, positions=None, print_fn=None):
    print_fn = print_fn or print
    chain = _is_chain(model) or type(model).__name__ == "Sequential"
    if chain:
        line_length = line_length or 65
        positions = positions or [.45, .85, 1.]
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [.33, .55, .67, 1.]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    _print_row(header, positions, print_fn)
    print_fn("=" * line_length)
    layers = model._summary_layers()
    for i, layer in enumerate(layers):
        name = f"{layer.name} ({type(layer).__name__})"
        params = layer.count_params() if layer.built else 0
        if chain:
            _print_row([name, _output_shape(layer), params], positions, print_fn)
        else:
            inbound = [f"{src.name}[{n}][{t}]" for node in layer._inbound_nodes
                       for src, n, t in (x._keras_history for x in node.flat_inputs)]
            _print_row([name, _output_shape(layer), params, inbound[0] if inbound else ""],
                       positions, print_fn)
            for extra in inbound[1:]:
                _print_row(["", "", "", extra], positions, print_fn)
        print_fn("=" * line_length if i == len(layers) - 1 else "_" * line_length)
    trainable = count_params(model.trainable_weights)
    non_trainable = count_params(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)
