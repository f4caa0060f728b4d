"""Weight initializers, as Keras's: `glorot_uniform` (the default kernel initializer), `zeros`
(the default bias initializer), and the rest of the usual family. They draw from lamina's
global generator (`lamina.random.set_seed` makes them reproducible) and always run eagerly:
layers call them under `backend.init_scope`."""

from __future__ import annotations

import math

import numpy as np

from ..frontend import dtypes as D
from ..frontend import ops, random
from . import backend

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
           "HeUniform", "LecunNormal", "LecunUniform", "Identity", "get", "serialize"]


def _dtype(dtype):
    return D.as_dtype(dtype or backend.floatx())


def _fans(shape):
    """(fan_in, fan_out) of a kernel: a Dense kernel is (in, out), a convolution's
    (*window, in, out)."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    def __call__(self, shape, dtype=None, **kwargs):
        return ops.zeros(shape, _dtype(dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None, **kwargs):
        return ops.ones(shape, _dtype(dtype))


class Constant(Initializer):
    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        return ops.fill(shape, ops.constant(self.value, _dtype(dtype)))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, **kwargs):
        return random.normal(shape, self.mean, self.stddev, _dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None, **kwargs):
        return random.uniform(shape, self.minval, self.maxval, _dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(shape, stddev, dtype):
    """Normal draws of `stddev` redrawn until within two standard deviations, as
    tf.random.truncated_normal (eager: initializers run outside traced functions)."""
    out = np.empty(shape, dtype.as_numpy_dtype).reshape(-1)
    todo = np.arange(out.size)
    while todo.size:
        z = random.normal([todo.size], dtype=dtype).numpy()
        ok = np.abs(z) <= 2
        out[todo[ok]] = z[ok]
        todo = todo[~ok]
    return ops.constant(out.reshape(shape) * stddev, dtype)


class TruncatedNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _dtype(dtype)
        return ops.add(_truncated_normal(shape, self.stddev, dtype), ops.constant(self.mean,
                                                                                  dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Draws of variance scale / n, n the fan in, fan out or their average (`mode`), from a
    truncated normal or a uniform distribution."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0:
            raise ValueError(f"`scale` must be positive float. Received: scale={scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _dtype(dtype)
        shape = [int(d) for d in shape]
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            # the standard deviation of a unit normal truncated at two standard deviations
            return _truncated_normal(shape, math.sqrt(variance) / 0.87962566103423978, dtype)
        if self.distribution == "untruncated_normal":
            return random.normal(shape, 0.0, math.sqrt(variance), dtype)
        limit = math.sqrt(3.0 * variance)
        return random.uniform(shape, -limit, limit, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _variance_scaling(name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}
    doc = f"VarianceScaling({scale}, {mode!r}, {distribution!r})."
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc})


GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices.")
        dtype = _dtype(dtype)
        return ops.constant(np.eye(*shape) * self.gain, dtype)

    def get_config(self):
        return {"gain": self.gain}


_CLASSES = {c.__name__: c for c in (Zeros, Ones, Constant, RandomNormal, RandomUniform,
                                    TruncatedNormal, VarianceScaling, GlorotUniform,
                                    GlorotNormal, HeNormal, HeUniform, LecunNormal,
                                    LecunUniform, Identity)}
_ALIASES = {"zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
            "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
            "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
            "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
            "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "identity": Identity}


def get(identifier):
    """An initializer from a name ('glorot_uniform'), a config dict, an initializer, or a
    function (shape, dtype) -> tensor."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        c = _ALIASES.get(identifier) or _CLASSES.get(identifier)
        if c is None:
            raise ValueError(f"Unknown initializer: '{identifier}'. Please ensure you are "
                             f"using a `keras.utils.custom_object_scope` and that this object "
                             f"is included in the scope.")
        return c()
    if isinstance(identifier, dict):
        c = _CLASSES.get(identifier.get("class_name"))
        if c is None:
            raise ValueError(f"Unknown initializer config: {identifier!r}")
        return c.from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(initializer):
    if not isinstance(initializer, Initializer):
        raise ValueError(f"cannot serialize the initializer {initializer!r}: only "
                         f"keras.initializers classes can be saved in a model's config")
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
