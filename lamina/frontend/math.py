"""`lamina.math`: the elementwise and reduction ops under TensorFlow's `tf.math` names."""

from .ops import (abs, add, add_n, argmax, argmin, ceil, cos, divide, equal, erf, exp, expm1,
                  floor, floordiv, floormod, greater, greater_equal, is_finite, is_inf, is_nan,
                  less, less_equal, log, log1p, logical_and, logical_not, logical_or,
                  logical_xor, maximum, minimum, mod, multiply, negative, not_equal, pow,
                  realdiv, reciprocal, reduce_all, reduce_any, reduce_logsumexp, reduce_max,
                  reduce_mean, reduce_min, reduce_prod, reduce_sum, round, rsqrt, sigmoid, sign,
                  sin, softplus, sqrt, square, squared_difference, subtract, tanh, truediv)

__all__ = ["abs", "add", "add_n", "argmax", "argmin", "ceil", "cos", "divide", "equal", "erf",
           "exp", "expm1", "floor", "floordiv", "floormod", "greater", "greater_equal",
           "is_finite", "is_inf", "is_nan", "less", "less_equal", "log", "log1p", "logical_and",
           "logical_not", "logical_or", "logical_xor", "maximum", "minimum", "mod", "multiply",
           "negative", "not_equal", "pow", "realdiv", "reciprocal", "reduce_all", "reduce_any",
           "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod",
           "reduce_sum", "round", "rsqrt", "sigmoid", "sign", "sin", "softplus", "sqrt",
           "square", "squared_difference", "subtract", "tanh", "truediv"]
