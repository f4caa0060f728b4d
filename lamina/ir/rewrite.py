"""Rewrite patterns and the rewriter they act through (MLIR's RewritePattern/PatternRewriter).

Patterns live with their ops (an op's `canonicalization_patterns`), so this base sits in the IR
core; the greedy driver that applies them is `lamina.passes.greedy`.
"""

from __future__ import annotations


class RewritePattern:
    """Subclasses set `op_name` (the op they apply to, or None for any op) and implement
    `match_and_rewrite(op, rewriter) -> bool`, returning True if they changed the IR."""

    op_name = None
    benefit = 1

    def match_and_rewrite(self, op, rewriter):
        raise NotImplementedError


class PatternRewriter:
    """Every IR change a pattern makes goes through here, so the driver can revisit what
    changed. New ops are inserted before the op being rewritten unless moved."""

    def __init__(self, listener=None):
        self.listener = listener
        self.anchor = None  # new ops go before this op
        self.after = False

    def set_insertion_point_before(self, op):
        self.anchor = op
        self.after = False

    def set_insertion_point_after(self, op):
        self.anchor = op
        self.after = True

    def insert(self, new_op):
        """Insert at the insertion point; an op without a location takes the anchor's, so
        what a rewrite produces keeps pointing at the source it came from."""
        a = self.anchor
        if new_op.loc is None:
            new_op.loc = a.loc
        if self.after:
            a.parent.insert_after(a, new_op)
            self.anchor = new_op
        else:
            a.parent.insert_before(a, new_op)
        if self.listener is not None:
            self.listener.op_inserted(new_op)
        return new_op

    def replace_all_uses(self, old, new):
        if self.listener is not None:
            for u in old.uses:
                self.listener.op_modified(u.owner)
        old.replace_all_uses_with(new)

    def replace_op(self, op, values):
        if len(values) != len(op.results):
            raise ValueError(f"replacing {op.name} with {len(values)} values for "
                             f"{len(op.results)} results")
        for r, v in zip(op.results, values):
            self.replace_all_uses(r, v)
        self.erase_op(op)

    def replace_op_with_new(self, op, new_op):
        self.set_insertion_point_before(op)
        self.insert(new_op)
        self.replace_op(op, new_op.results)
        return new_op

    def erase_op(self, op):
        if self.listener is not None:
            self.listener.op_erased(op)
        op.erase()

    def notify_modified(self, op):
        if self.listener is not None:
            self.listener.op_modified(op)

    def inline_block_before(self, block, anchor, arg_values=()):
        """Move `block`'s ops before `anchor`, replacing its arguments with `arg_values`."""
        for a, v in zip(block.args, arg_values):
            self.replace_all_uses(a, v)
        op = block.first
        while op is not None:
            nxt = op.next
            op.move_before(anchor)
            if self.listener is not None:
                self.listener.op_inserted(op)
            op = nxt
