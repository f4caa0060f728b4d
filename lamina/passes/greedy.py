"""The greedy pattern driver (MLIR's applyPatternsGreedily): a worklist of ops; each popped op
is erased if trivially dead, else folded, else offered to the patterns registered for its name.
Whatever a rewrite touches goes back on the worklist, until nothing changes."""

from __future__ import annotations

from ..ir import registry
from ..ir.opdef import Commutative, ConstantLike
from ..ir.rewrite import PatternRewriter
from .effects import constant_value, is_trivially_dead


class _Worklist:
    def __init__(self):
        self.items = []
        self.members = set()

    def push(self, op):
        if op not in self.members:
            self.members.add(op)
            self.items.append(op)

    def pop(self):
        while self.items:
            op = self.items.pop()
            if op in self.members:
                self.members.discard(op)
                return op
        return None

    def remove(self, op):
        self.members.discard(op)


class _Listener:
    def __init__(self, driver):
        self.d = driver

    def op_inserted(self, op):
        for o in op.walk():
            self.d.worklist.push(o)
        self.d.changed = True

    def op_modified(self, op):
        self.d.worklist.push(op)
        self.d.changed = True

    def op_erased(self, op):
        for o in op.walk():
            self.d.worklist.remove(o)
        for v in op.operands:
            owner = getattr(v, "owner", None)
            if owner is not None and hasattr(owner, "opdef") and owner is not op:
                self.d.worklist.push(owner)
        self.d.changed = True


class GreedyDriver:
    def __init__(self, patterns, fold=True, max_iterations=10):
        self.by_name = {}
        self.any = []
        for p in sorted(patterns, key=lambda p: -p.benefit):
            if p.op_name is None:
                self.any.append(p)
            else:
                self.by_name.setdefault(p.op_name, []).append(p)
        self.fold = fold
        self.max_iterations = max_iterations
        self.worklist = _Worklist()
        self.rewriter = PatternRewriter(_Listener(self))
        self.changed = False

    def run(self, root):
        """Rewrite everything nested in `root`; returns True if the IR changed."""
        any_change = False
        for _ in range(max(1, self.max_iterations)):
            self.changed = False
            ops = [o for o in root.walk() if o is not root]
            # pop order: top-down, as MLIR's default traversal
            for o in reversed(ops):
                self.worklist.push(o)
            while True:
                op = self.worklist.pop()
                if op is None:
                    break
                if op.parent is None:
                    continue
                self._visit(op)
            any_change |= self.changed
            if not self.changed:
                break
        return any_change

    def _visit(self, op):
        rw = self.rewriter
        if is_trivially_dead(op):
            rw.erase_op(op)
            return
        if self.fold and op.opdef is not None and self._try_fold(op):
            return
        for p in self.by_name.get(op.name, []) + self.any:
            rw.set_insertion_point_before(op)
            if p.match_and_rewrite(op, rw):
                self.changed = True
                return

    def _try_fold(self, op):
        d = op.opdef
        if ConstantLike in d.traits:
            return False
        consts = [constant_value(v) for v in op.operands]
        if Commutative in d.traits and len(op.operands) == 2 and consts[0] is not None \
                and consts[1] is None:
            a, b = op.operands
            op.set_operands([b, a])
            self.rewriter.notify_modified(op)
            consts = [consts[1], consts[0]]
        results = op.fold(consts)
        if not results:
            return False
        if all(v is r for v, r in zip(results, op.results)):
            self.rewriter.notify_modified(op)  # folded in place
            return True
        values = []
        created = []
        for res, v in zip(op.results, results):
            if hasattr(v, "uses"):
                values.append(v)
                continue
            c = materialize(v, res.type, op)
            if c is None:
                for x in created:
                    x.erase()
                return False
            created.append(c)
            values.append(c.results[0])
        self.rewriter.set_insertion_point_before(op)
        for c in created:
            self.rewriter.insert(c)
        self.rewriter.replace_op(op, values)
        return True


def materialize(attr, type, near_op):
    """A constant op holding `attr` of `type`, built by the dialect of `near_op` or arith."""
    dialect = near_op.name.split(".", 1)[0]
    for name in (dialect, "arith"):
        fn = registry.MATERIALIZERS.get(name)
        if fn is not None:
            c = fn(attr, type, near_op.loc)
            if c is not None:
                return c
    return None


def apply_patterns_greedily(root, patterns, fold=True, max_iterations=10):
    return GreedyDriver(patterns, fold, max_iterations).run(root)
