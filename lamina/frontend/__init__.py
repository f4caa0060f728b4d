"""The Python frontend: eager tensors and ops on numpy (op layer: execute.py), Variables,
devices, and (later) the tracer of `function`."""
