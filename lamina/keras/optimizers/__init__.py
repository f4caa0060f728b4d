"""Optimizers (Keras's OptimizerV2 update rules): `SGD` (momentum, nesterov), `Adam`,
`RMSprop`. `apply_gradients(zip(grads, vars))` updates the Variables in place: eagerly, or as
ops of the staged train step. Slot Variables (momenta) are made on the first application,
eagerly (backend.init_scope), and `iterations` counts the applications. `learning_rate` is a
float (kept in a Variable, so that setting it does not retrace) or a schedule of
`optimizers.schedules`, evaluated at `iterations`."""

from __future__ import annotations

import warnings

from ...frontend import dtypes as D
from ...frontend import ops
from ...frontend.variables import Variable
from .. import backend
from . import schedules
from .schedules import LearningRateSchedule

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "get", "serialize", "deserialize",
           "schedules"]


class Optimizer:
    """The base class: subclasses give `_slot_names` and `_apply(grad, var, slots, lr,
    step)`."""

    _slot_names = ()

    def __init__(self, name, learning_rate=0.001, clipnorm=None, clipvalue=None, **kwargs):
        if kwargs.pop("lr", None) is not None:
            raise TypeError("`lr` is deprecated, please use `learning_rate` instead")
        for k in ("global_clipnorm", "decay"):
            if kwargs.pop(k, None) not in (None, 0, 0.0):
                raise NotImplementedError(f"{name}: `{k}` is not supported by lamina.keras "
                                          f"(use a learning-rate schedule)")
        if kwargs:
            raise TypeError(f"Unexpected keyword argument passed to optimizer: "
                            f"{next(iter(kwargs))}")
        self._name = name
        self.clipnorm, self.clipvalue = clipnorm, clipvalue
        with backend.init_scope():
            self.iterations = Variable(ops.constant(0, D.int64), trainable=False, name="iter")
            self._lr = learning_rate if isinstance(learning_rate, LearningRateSchedule) else \
                Variable(ops.constant(float(learning_rate), D.float32), trainable=False,
                         name="learning_rate")
        self._slots = {}           # id(var) -> {slot name: Variable}
        self._slot_vars = []       # slot Variables in creation order
        self._var_refs = []        # the Variables with slots (kept alive with their ids)

    @property
    def name(self):
        return self._name

    # -- the learning rate ---------------------------------------------------------------------
    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or isinstance(self._lr, LearningRateSchedule):
            self._lr = value if isinstance(value, LearningRateSchedule) else Variable(
                ops.constant(float(value), D.float32), trainable=False, name="learning_rate")
        else:
            self._lr.assign(float(value))

    lr = learning_rate

    def _current_lr(self):
        if isinstance(self._lr, LearningRateSchedule):
            return self._lr(self.iterations.read_value())
        return self._lr.read_value()

    # -- slots ----------------------------------------------------------------------------------
    def _create_slots(self, var_list):
        new = [v for v in var_list if id(v) not in self._slots]
        if not new:
            return
        with backend.init_scope():
            for v in new:
                self._slots[id(v)] = {}
                self._var_refs.append(v)
            for slot in self._slot_names:
                for v in new:
                    s = Variable(ops.zeros(v.shape, v.dtype), trainable=False,
                                 name=f"{v.name.split(':')[0]}/{slot}")
                    self._slots[id(v)][slot] = s
                    self._slot_vars.append(s)

    def get_slot(self, var, slot_name):
        return self._slots[id(var)][slot_name]

    def variables(self):
        return [self.iterations] + self._slot_vars

    def get_weights(self):
        return [v.numpy() for v in self.variables()]

    def set_weights(self, weights):
        params = self.variables()
        if len(params) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on optimizer {self._name} "
                             f"with a weight list of length {len(weights)}, but the optimizer "
                             f"was expecting {len(params)} weights.")
        for v, w in zip(params, weights):
            v.assign(w)

    # -- applying -------------------------------------------------------------------------------
    def _clip(self, g):
        if self.clipvalue is not None:
            g = ops.clip_by_value(g, -self.clipvalue, self.clipvalue)
        if self.clipnorm is not None:
            norm = ops.sqrt(ops.reduce_sum(ops.square(g)))
            g = ops.multiply(g, ops.divide(self.clipnorm, ops.maximum(norm, self.clipnorm)))
        return g

    def apply_gradients(self, grads_and_vars, name=None):
        pairs = list(grads_and_vars)
        missing = [v.name for g, v in pairs if g is None]
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          f"loss. If you're using `model.compile()`, did you forget to provide "
                          f"a `loss` argument?")
        pairs = [(g, v) for g, v in pairs if g is not None]
        if not pairs:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[v.name for v in missing]}.")
        self._create_slots([v for _, v in pairs])
        lr = self._current_lr()
        step = ops.cast(ops.add(self.iterations.read_value(), 1), D.float32)
        for g, v in pairs:
            g = ops.convert_to_tensor(g)
            if g.dtype != v.dtype:
                g = ops.cast(g, v.dtype)
            lr_v = lr if lr.dtype == v.dtype else ops.cast(lr, v.dtype)
            self._apply(self._clip(g), v, self._slots[id(v)], lr_v, step)
        return self.iterations.assign_add(1)

    def minimize(self, loss, var_list, tape=None):
        """Apply the gradient of `loss` (a tensor, with `tape`, or a function of no
        arguments) with respect to `var_list`."""
        from ... import GradientTape
        var_list = var_list() if callable(var_list) and not isinstance(var_list, list) \
            else var_list
        if tape is None:
            if not callable(loss):
                raise ValueError("`tape` is required when a `Tensor` loss is passed.")
            with GradientTape() as tape:
                loss = loss()
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def get_config(self):
        lr = schedules.serialize(self._lr) if isinstance(self._lr, LearningRateSchedule) \
            else float(self._lr.numpy())
        config = {"name": self._name, "learning_rate": lr}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)


class SGD(Optimizer):
    """w -= lr * g; with momentum: v = momentum * v - lr * g, w += v (nesterov: w +=
    momentum * v - lr * g)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be between [0, 1].")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self._slot_names = ("momentum",) if self.momentum else ()

    def _apply(self, g, var, slots, lr, step):
        if not self.momentum:
            var.assign_sub(ops.multiply(g, lr))
            return
        m = slots["momentum"]
        v = ops.subtract(ops.multiply(m.read_value(), self.momentum), ops.multiply(g, lr))
        m.assign(v)
        if self.nesterov:
            var.assign_add(ops.subtract(ops.multiply(v, self.momentum), ops.multiply(g, lr)))
        else:
            var.assign_add(v)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr sqrt(1 - b2^t) / (1 - b1^t)
    * m / (sqrt(v) + epsilon), t counting from 1 (TensorFlow's ApplyAdam); amsgrad keeps the
    largest v."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="Adam", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon, self.amsgrad = float(epsilon), bool(amsgrad)
        self._slot_names = ("m", "v", "vhat") if amsgrad else ("m", "v")

    def _apply(self, g, var, slots, lr, step):
        b1, b2 = self.beta_1, self.beta_2
        dtype = var.dtype
        t = step if step.dtype == dtype else ops.cast(step, dtype)
        b1t = ops.pow(ops.constant(b1, dtype), t)
        b2t = ops.pow(ops.constant(b2, dtype), t)
        lr_t = ops.divide(ops.multiply(lr, ops.sqrt(ops.subtract(1.0, b2t))),
                          ops.subtract(1.0, b1t))
        m = ops.add(ops.multiply(slots["m"].read_value(), b1), ops.multiply(g, 1.0 - b1))
        v = ops.add(ops.multiply(slots["v"].read_value(), b2),
                    ops.multiply(ops.square(g), 1.0 - b2))
        slots["m"].assign(m)
        slots["v"].assign(v)
        if self.amsgrad:
            v = ops.maximum(slots["vhat"].read_value(), v)
            slots["vhat"].assign(v)
        var.assign_sub(ops.divide(ops.multiply(m, lr_t), ops.add(ops.sqrt(v), self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class RMSprop(Optimizer):
    """ms = rho ms + (1 - rho) g^2; w -= lr g / (sqrt(ms) + epsilon); with momentum:
    mom = momentum mom + lr g / sqrt(ms + epsilon), w -= mom; centered: ms - mg^2 in place of
    ms, mg the mean gradient (as Keras's RMSprop)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="RMSprop", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho, self.momentum = float(rho), float(momentum)
        self.epsilon, self.centered = float(epsilon), bool(centered)
        self._slot_names = ("rms",) + (("momentum",) if self.momentum else ()) + \
            (("mg",) if centered else ())

    def _apply(self, g, var, slots, lr, step):
        rho = self.rho
        ms = ops.add(ops.multiply(slots["rms"].read_value(), rho),
                     ops.multiply(ops.square(g), 1.0 - rho))
        slots["rms"].assign(ms)
        denom = ms
        if self.centered:
            mg = ops.add(ops.multiply(slots["mg"].read_value(), rho), ops.multiply(g, 1.0 - rho))
            slots["mg"].assign(mg)
            denom = ops.subtract(ms, ops.square(mg))
        if self.momentum:
            mom = ops.add(ops.multiply(slots["momentum"].read_value(), self.momentum),
                          ops.divide(ops.multiply(g, lr), ops.sqrt(ops.add(denom,
                                                                           self.epsilon))))
            slots["momentum"].assign(mom)
            var.assign_sub(mom)
        else:
            var.assign_sub(ops.divide(ops.multiply(g, lr),
                                      ops.add(ops.sqrt(denom), self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


_CLASSES = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def get(identifier):
    """An optimizer from a name ('adam'), a config dict, or itself."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        c = _CLASSES.get(identifier.lower())
        if c is None:
            raise ValueError(f"Unknown optimizer: '{identifier}'. Please ensure you are using "
                             f"a `keras.utils.custom_object_scope` and that this object is "
                             f"included in the scope.")
        return c()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def serialize(optimizer):
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config):
    c = _CLASSES.get(str(config.get("class_name", "")).lower())
    if c is None:
        raise ValueError(f"Unknown optimizer config: {config!r}")
    return c.from_config(config.get("config", {}))
