"""Affine expressions and maps (`affine_map<(d0, d1)[s0] -> (d1, d0 + s0)>`)."""

from __future__ import annotations

from .core import Attribute


class AffineExpr:
    __slots__ = ()
    prec = 3

    def __add__(self, o):
        return AffineBinary("+", self, _wrap(o))

    def __radd__(self, o):
        return AffineBinary("+", _wrap(o), self)

    def __mul__(self, o):
        return AffineBinary("*", self, _wrap(o))

    def __rmul__(self, o):
        return AffineBinary("*", _wrap(o), self)

    def __sub__(self, o):
        return AffineBinary("+", self, AffineBinary("*", _wrap(o), AffineConst(-1)))

    def floordiv(self, o):
        return AffineBinary("floordiv", self, _wrap(o))

    def ceildiv(self, o):
        return AffineBinary("ceildiv", self, _wrap(o))

    def __mod__(self, o):
        return AffineBinary("mod", self, _wrap(o))

    def __eq__(self, o):
        return isinstance(o, AffineExpr) and type(o) is type(self) and self._key() == o._key()

    def __hash__(self):
        return hash((type(self).__name__, self._key()))


def _wrap(x):
    return x if isinstance(x, AffineExpr) else AffineConst(int(x))


class AffineDim(AffineExpr):
    __slots__ = ("position",)

    def __init__(self, position):
        self.position = position

    def _key(self):
        return self.position

    def __str__(self):
        return f"d{self.position}"

    def evaluate(self, dims, syms):
        return dims[self.position]


class AffineSymbol(AffineExpr):
    __slots__ = ("position",)

    def __init__(self, position):
        self.position = position

    def _key(self):
        return self.position

    def __str__(self):
        return f"s{self.position}"

    def evaluate(self, dims, syms):
        return syms[self.position]


class AffineConst(AffineExpr):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def _key(self):
        return self.value

    def __str__(self):
        return str(self.value)

    def evaluate(self, dims, syms):
        return self.value


class AffineBinary(AffineExpr):
    __slots__ = ("kind", "lhs", "rhs")

    def __init__(self, kind, lhs, rhs):
        self.kind = kind
        self.lhs = lhs
        self.rhs = rhs

    @property
    def prec(self):
        return 1 if self.kind == "+" else 2

    def _key(self):
        return (self.kind, self.lhs, self.rhs)

    def __str__(self):
        p = self.prec
        lhs = str(self.lhs) if self.lhs.prec >= p else f"({self.lhs})"
        rhs = str(self.rhs) if self.rhs.prec > p else f"({self.rhs})"
        return f"{lhs} {self.kind} {rhs}"

    def evaluate(self, dims, syms):
        a = self.lhs.evaluate(dims, syms)
        b = self.rhs.evaluate(dims, syms)
        k = self.kind
        if k == "+":
            return a + b
        if k == "*":
            return a * b
        if k == "floordiv":
            return a // b
        if k == "ceildiv":
            return -((-a) // b)
        return a % b


class AffineMap:
    __slots__ = ("num_dims", "num_symbols", "results")

    def __init__(self, num_dims, num_symbols, results):
        self.num_dims = num_dims
        self.num_symbols = num_symbols
        self.results = tuple(results)

    @staticmethod
    def identity(n):
        return AffineMap(n, 0, [AffineDim(i) for i in range(n)])

    @staticmethod
    def permutation(perm):
        return AffineMap(len(perm), 0, [AffineDim(p) for p in perm])

    @property
    def is_identity(self):
        return self.num_symbols == 0 and len(self.results) == self.num_dims and all(
            type(r) is AffineDim and r.position == i for i, r in enumerate(self.results))

    def is_projected_permutation(self):
        return all(type(r) is AffineDim or (type(r) is AffineConst and r.value == 0)
                   for r in self.results)

    def evaluate(self, dims, syms=()):
        return tuple(r.evaluate(dims, syms) for r in self.results)

    def __eq__(self, o):
        return isinstance(o, AffineMap) and (self.num_dims, self.num_symbols, self.results) == \
            (o.num_dims, o.num_symbols, o.results)

    def __hash__(self):
        return hash((self.num_dims, self.num_symbols, self.results))

    def __str__(self):
        dims = ", ".join(f"d{i}" for i in range(self.num_dims))
        syms = ("[" + ", ".join(f"s{i}" for i in range(self.num_symbols)) + "]"
                if self.num_symbols else "")
        return f"({dims}){syms} -> ({', '.join(map(str, self.results))})"


class AffineMapAttr(Attribute):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def _key(self):
        return self.value

    @property
    def is_identity(self):
        return self.value.is_identity

    def __str__(self):
        return f"affine_map<{self.value}>"
