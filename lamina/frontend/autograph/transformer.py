"""The AST rewrite of autograph: a function's `if`, `while` and `for` statements become calls
of the runtime operators (operators.py, `ag__` in the generated code), which decide when the
function runs whether to stage `lamina.cond` / `lamina.while` or to run Python.

In order, as TensorFlow's autograph:
1. `break` and `continue` become boolean flags: `break` sets `break_`, which the loop's
   condition checks; the statements after a statement that may set a flag run under
   `if not flag:`. A loop's `else` clause runs under `if not break_:` after it.
2. `return` inside compound statements becomes `do_return = True; retval_ = value`, with
   the same guards, loops checking `not do_return`, and one `return` at the end.
3. Each `if`/`while`/`for` becomes nested functions (branches, condition, body) that read
   and write the variables the statement assigns (`nonlocal`), and a call
   `ag__.if_stmt(test, if_body, else_body, get_state, set_state, names)` (and `while_stmt`,
   `for_stmt`); `and`, `or`, `not` and `x if c else y` become operator calls too, and every
   call goes through `ag__.converted_call(f)` (which converts user functions on call and maps
   `print`, `range`, `len` to their tensor versions). A variable the statement assigns that
   may have no value yet is first bound to `ag__.ld(locals(), name)` (its value, or an
   Undefined that says why when used).

A lambda's body is an expression: only step 3's expressions apply to it.

Every generated node carries the location of the user's node it comes from, so the code
compiled under the user's file name reports the user's lines.
"""

from __future__ import annotations

import ast

AG = "ag__"


class ConversionError(Exception):
    """A construct autograph cannot convert (the message names the line)."""


# -- small AST helpers ----------------------------------------------------------------------------

def _scoped(node):
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))


def _walk_scope(node):
    """The nodes under `node`, not entering nested functions, lambdas and classes (whose
    nodes are not this scope's; their own names and decorators are)."""
    todo = list(ast.iter_child_nodes(node))
    while todo:
        n = todo.pop()
        yield n
        if _scoped(n):
            if not isinstance(n, ast.Lambda):
                todo.extend(n.decorator_list)
            continue
        if isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            todo.append(n.generators[0].iter)
            continue
        todo.extend(ast.iter_child_nodes(n))


def _walk_stmts(stmts):
    for s in stmts:
        yield s
        yield from _walk_scope(s)


def assigned_names(stmts):
    """The names the statements bind (in this scope), in order of first binding."""
    out = {}
    for n in _walk_stmts(stmts):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out[n.id] = None
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[n.name] = None
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                out[(a.asname or a.name).split(".")[0]] = None
        elif isinstance(n, ast.ExceptHandler) and n.name:
            out[n.name] = None
    return list(out)


def _definitely_assigned(s):
    """Names statement `s` binds on every path through it."""
    if isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Import, ast.ImportFrom,
                      ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        if isinstance(s, ast.AnnAssign) and s.value is None:
            return set()
        return set(assigned_names([s]))
    if isinstance(s, ast.If):
        return _block_assigned(s.body) & _block_assigned(s.orelse)
    if isinstance(s, ast.With):
        return _block_assigned(s.body) | set(assigned_names(
            [ast.Expr(i.optional_vars) for i in s.items if i.optional_vars is not None]))
    return set()


def _block_assigned(stmts):
    out = set()
    for s in stmts:
        out |= _definitely_assigned(s)
    return out


def _contains(stmts, kinds, stop=()):
    """Whether a node of `kinds` is in the statements (not in nested scopes, nor under a
    node of `stop`)."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, kinds):
            return True
        if _scoped(n) or isinstance(n, stop):
            continue
        todo.extend(ast.iter_child_nodes(n))
    return False


def _always_returns(stmts):
    for s in stmts:
        if isinstance(s, (ast.Return, ast.Raise)):
            return True
        if isinstance(s, ast.If) and _always_returns(s.body) and _always_returns(s.orelse):
            return True
        if isinstance(s, ast.With) and _always_returns(s.body):
            return True
    return False


def _clone(node):
    """A deep copy of AST `node` (a third of what copy.deepcopy costs)."""
    if isinstance(node, ast.AST):
        new = ast.AST.__new__(type(node))
        new.__dict__.update({k: _clone(v) for k, v in node.__dict__.items()})
        return new
    if isinstance(node, list):
        return [_clone(v) for v in node]
    return node


def _name(id_, store=False):
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _ag(attr):
    return ast.Attribute(value=_name(AG), attr=attr, ctx=ast.Load())


def _located(nodes, at):
    """`nodes` (a node or a list) with the location of `at` wherever they have none: its
    first line only (Python reports a call at the last line of its callee expression). New
    nodes are built around located ones, so the walk stops at a located node (what is
    left unlocated below one, convert's fix_missing_locations gives its parent's)."""
    one_line = getattr(at, "end_lineno", None) == at.lineno
    end = at.end_col_offset if one_line else at.col_offset
    todo = list(nodes) if isinstance(nodes, list) else [nodes]
    while todo:
        n = todo.pop()
        if "lineno" in n._attributes:
            if getattr(n, "lineno", None) is not None:
                continue
            n.lineno = n.end_lineno = at.lineno
            n.col_offset, n.end_col_offset = at.col_offset, end
        todo.extend(ast.iter_child_nodes(n))
    return nodes


def template(code, at, **subs):
    """The statements of `code` with each name in `subs` replaced by its node (a statement
    `name` alone by a list of statements), located at node `at`."""
    tree = ast.parse(code)
    for n in ast.walk(tree):  # the template's own lines mean nothing in the user's file
        for a in n._attributes:
            setattr(n, a, None)

    class Sub(ast.NodeTransformer):
        def visit_Expr(self, node):
            if isinstance(node.value, ast.Name) and node.value.id in subs:
                v = subs[node.value.id]
                if isinstance(v, list):
                    return v
            return self.generic_visit(node)

        def visit_Name(self, node):
            return subs.get(node.id, node)

    body = Sub().visit(tree).body
    return _located(body, at)


# -- 1. break and continue ------------------------------------------------------------------------

class _Names:
    """Fresh names that no user name collides with."""

    def __init__(self, tree):
        self.taken = set()
        for n in ast.walk(tree):
            if isinstance(n, ast.Name):
                self.taken.add(n.id)
            elif isinstance(n, ast.arg):
                self.taken.add(n.arg)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.taken.add(n.name)
        self.counts = {}

    def __call__(self, base):
        k = self.counts.get(base, 0)
        while True:
            name = base if k == 0 else f"{base}_{k}"
            k += 1
            if name not in self.taken:
                self.counts[base] = k
                self.taken.add(name)
                return name


def _guard(stmts, flag, marks):
    """The statements with each node of kind `marks` (outside nested loops) replaced by
    `flag = True`, and what follows a statement that may set the flag under `if not flag`."""
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, marks):
            out.extend(template(f"{flag} = True", s))
            return out
        if not _contains([s], marks, stop=(ast.For, ast.While)):
            out.append(s)
            continue
        if isinstance(s, ast.If):
            s.body = _guard(s.body, flag, marks) or [ast.Pass()]
            s.orelse = _guard(s.orelse, flag, marks)
        elif isinstance(s, (ast.With, ast.Try)):
            s.body = _guard(s.body, flag, marks) or [ast.Pass()]
            if isinstance(s, ast.Try):
                for h in s.handlers:
                    h.body = _guard(h.body, flag, marks) or [ast.Pass()]
                s.orelse = _guard(s.orelse, flag, marks)
                s.finalbody = _guard(s.finalbody, flag, marks)
        out.append(s)
        rest = _guard(stmts[i + 1:], flag, marks)
        if rest:
            out.extend(template(f"if not {flag}:\n    rest", stmts[i + 1], rest=rest))
        return out
    return out


class _LowerJumps(ast.NodeTransformer):
    """Step 1: break/continue flags (inner loops first); loops lose their `else`."""

    def __init__(self, names):
        self.names = names

    def _loop(self, node):
        self.generic_visit(node)
        pre, post = [], []
        if _contains(node.body, ast.Continue, stop=(ast.For, ast.While)):
            flag = self.names("continue_")
            node.body = template(f"{flag} = False", node) + _guard(node.body, flag,
                                                                    ast.Continue)
        if _contains(node.body, ast.Break, stop=(ast.For, ast.While)):
            flag = self.names("break_")
            node.body = _guard(node.body, flag, ast.Break)
            pre = template(f"{flag} = False", node)
            self._add_test(node, template(f"not {flag}", node)[0].value)
            if node.orelse:
                post = template(f"if not {flag}:\n    rest", node.orelse[0], rest=node.orelse)
        else:
            post = node.orelse
        node.orelse = []
        return pre + [node] + post

    @staticmethod
    def _add_test(node, test):
        if isinstance(node, ast.While):
            node.test = _located(ast.BoolOp(op=ast.And(), values=[test, node.test]), node.test)
        else:
            node.ag_extra_test = getattr(node, "ag_extra_test", []) + [test]

    visit_For = visit_While = _loop

    def visit_FunctionDef(self, node):
        return node  # its own scope: converted on its own

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef


# -- 2. return ------------------------------------------------------------------------------------

def _lower_returns(fn, names):
    body = fn.body
    nested = [s for s in body if not isinstance(s, ast.Return) and
              _contains([s], ast.Return)]
    if not nested:
        return
    do_return, retval = names("do_return"), names("retval_")
    falls_off = not _always_returns(body)

    def block(stmts):
        out = []
        for i, s in enumerate(stmts):
            returns = _contains([s], ast.Return)
            out.extend(stmt(s))
            if returns:
                rest = block(stmts[i + 1:])
                if rest:
                    out.extend(template(f"if not {do_return}:\n    rest", stmts[i + 1],
                                        rest=rest))
                return out
        return out

    def stmt(s):
        if isinstance(s, ast.Return):
            return template(f"{do_return} = True\n{retval} = value", s,
                            value=s.value or ast.Constant(None))
        if not _contains([s], ast.Return):
            return [s]
        if isinstance(s, ast.If):
            s.body = block(s.body) or [ast.Pass()]
            s.orelse = block(s.orelse)
        elif isinstance(s, (ast.While, ast.For)):
            s.body = block(s.body) or [ast.Pass()]
            test = template(f"not {do_return}", s)[0].value
            _LowerJumps._add_test(s, test)
        elif isinstance(s, (ast.With, ast.Try)):
            s.body = block(s.body) or [ast.Pass()]
            if isinstance(s, ast.Try):
                for h in s.handlers:
                    h.body = block(h.body) or [ast.Pass()]
                s.orelse = block(s.orelse)
                s.finalbody = block(s.finalbody)
        return [s]

    fn.body = (template(f"{do_return} = False\n{retval} = {AG}.UndefinedReturnValue()", body[0])
               + block(body)
               + [_located(ast.Return(value=ast.Call(func=_ag("retval"), args=[
                   _name(retval), _name(do_return), ast.Constant(falls_off)], keywords=[])),
                   body[-1])])


# -- 3. control flow and expressions --------------------------------------------------------------

_FRAME_BUILTINS = {"super", "locals", "globals", "vars", "eval", "exec", "dir"}


class _Expressions(ast.NodeTransformer):
    """and/or/not, conditional expressions, calls, comprehension conditions."""

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        result = node.values[-1]
        for v in reversed(node.values[:-1]):
            result = ast.Call(func=_ag(fn), args=[_thunk(v), _thunk(result)], keywords=[])
        return _located(result, node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return _located(ast.Call(func=_ag("not_"), args=[node.operand], keywords=[]), node)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        return _located(ast.Call(func=_ag("if_exp"), args=[
            node.test, _thunk(node.body), _thunk(node.orelse)], keywords=[]), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Name) and f.id in _FRAME_BUILTINS:
            return node
        if _is_ag_call(node):
            return node
        node.func = _located(ast.Call(func=_ag("converted_call"), args=[f], keywords=[]), f)
        return node

    def visit_comprehension(self, node):
        self.generic_visit(node)
        node.ifs = [_located(ast.Call(func=_ag("py_test"), args=[
            t, ast.Constant("a condition of a comprehension")], keywords=[]), t)
            for t in node.ifs]
        return node


def _is_ag_call(node):
    f = getattr(node, "func", None)
    return isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == AG


def _thunk(expr):
    return _located(ast.Lambda(args=ast.arguments(
        posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
        defaults=[]), body=expr), expr)


class _Scope:
    """One function being converted: its fresh names and its global/nonlocal names."""

    def __init__(self, fn, names):
        self.names = names
        self.declared_global = set()
        self.declared_nonlocal = set()
        for n in _walk_stmts(fn.body):
            if isinstance(n, ast.Global):
                self.declared_global.update(n.names)
            elif isinstance(n, ast.Nonlocal):
                self.declared_nonlocal.update(n.names)


class _ControlFlow:
    """Step 3 on one function's body."""

    def __init__(self, scope):
        self.scope = scope

    def block(self, stmts, defined, in_try=False):
        out = []
        defined = set(defined)
        for s in stmts:
            out.extend(self.stmt(s, defined, in_try))
            defined |= _definitely_assigned(s)
        return out

    def expr(self, node):
        return _Expressions().visit(node) if node is not None else None

    def stmt(self, s, defined, in_try):
        if isinstance(s, ast.If):
            return self._if(s, defined, in_try)
        if isinstance(s, ast.While):
            return self._while(s, defined, in_try)
        if isinstance(s, ast.For):
            return self._for(s, defined, in_try)
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            convert_function_body(s, self.scope.names)
            s.decorator_list = [self.expr(d) for d in s.decorator_list]
            return [s]
        if isinstance(s, ast.ClassDef):
            return [s]
        if isinstance(s, ast.Return) and s.value is not None and not _is_ag_call(s.value):
            s.value = _located(ast.Call(func=_ag("ret"), args=[self.expr(s.value)],
                                        keywords=[]), s.value)
            return [s]
        if isinstance(s, ast.Assert):
            msg = s.msg if s.msg is not None else ast.Constant(None)
            return template(f"{AG}.assert_stmt(test, lambda: msg)", s, test=self.expr(s.test),
                            msg=self.expr(msg))
        if isinstance(s, ast.Try):
            s.body = self.block(s.body, defined, True)
            for h in s.handlers:
                h.type = self.expr(h.type)
                h.body = self.block(h.body, defined, True)
            s.orelse = self.block(s.orelse, defined, True)
            s.finalbody = self.block(s.finalbody, defined, True)
            return [s]
        if isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                item.context_expr = self.expr(item.context_expr)
            s.body = self.block(s.body, defined, in_try)
            return [s]
        return [_Expressions().visit(s)]

    # -- the state of a statement: the variables it assigns --------------------------------------
    def _state(self, node, names, defined):
        """(declarations for nested functions, get_state/set_state definitions, the prelude
        binding names that may have no value yet, the names tuple), as statements."""
        names = [n for n in names if not n.startswith(AG)]
        g = [n for n in names if n in self.scope.declared_global]
        nl = [n for n in names if n not in self.scope.declared_global]
        decl = (template(f"global {', '.join(g)}", node) if g else []) + \
            (template(f"nonlocal {', '.join(nl)}", node) if nl else [])
        get, set_ = self.scope.names("get_state"), self.scope.names("set_state")
        if names:
            tup = ", ".join(names) + ("," if len(names) == 1 else "")
            fns = template(f"def {get}():\n    return ({tup})\n"
                           f"def {set_}(vars_):\n    decl\n    ({tup}) = vars_", node, decl=decl)
        else:
            fns = template(f"def {get}():\n    return ()\ndef {set_}(vars_):\n    pass", node)
        prelude = []
        for n in names:
            if n not in defined and n not in self.scope.declared_global and \
                    n not in self.scope.declared_nonlocal:
                prelude += template(f"{n} = {AG}.ld(locals(), {n!r})", node)
        names_tuple = ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load())
        return decl, fns, prelude, get, set_, names_tuple

    @staticmethod
    def _opts(in_try):
        return ", in_try=True" if in_try else ""

    def _if(self, s, defined, in_try):
        names = assigned_names(s.body + s.orelse)
        test = self.expr(s.test)
        inner = defined | set(names)
        body = self.block(s.body, inner, in_try) or [ast.Pass()]
        orelse = self.block(s.orelse, inner, in_try) or [ast.Pass()]
        decl, fns, prelude, get, set_, tup = self._state(s, names, defined)
        if_body, else_body = self.scope.names("if_body"), self.scope.names("else_body")
        return template(
            f"def {if_body}():\n    decl\n    body\n"
            f"def {else_body}():\n    decl\n    orelse\n"
            f"fns\nprelude\n"
            f"{AG}.if_stmt(test, {if_body}, {else_body}, {get}, {set_}, names"
            f"{self._opts(in_try)})", s,
            decl=decl, body=body, orelse=orelse, fns=fns, prelude=prelude, test=test,
            names=tup)

    def _while(self, s, defined, in_try):
        names = assigned_names(s.body)
        test = self.expr(s.test)
        body = self.block(s.body, defined | set(names), in_try) or [ast.Pass()]
        decl, fns, prelude, get, set_, tup = self._state(s, names, defined)
        loop_test, loop_body = self.scope.names("loop_test"), self.scope.names("loop_body")
        return template(
            f"def {loop_test}():\n    return test\n"
            f"def {loop_body}():\n    decl\n    body\n"
            f"fns\nprelude\n"
            f"{AG}.while_stmt({loop_test}, {loop_body}, {get}, {set_}, names"
            f"{self._opts(in_try)})", s,
            decl=decl, body=body, fns=fns, prelude=prelude, test=test, names=tup)

    def _for(self, s, defined, in_try):
        names = assigned_names([ast.Expr(s.target)] + s.body)
        iterable = self.expr(s.iter)
        body = self.block(s.body, defined | set(names), in_try) or [ast.Pass()]
        decl, fns, prelude, get, set_, tup = self._state(s, names, defined)
        loop_body, itr = self.scope.names("loop_body"), self.scope.names("itr")
        extra = getattr(s, "ag_extra_test", None)
        extra_def, extra_name = [], "None"
        if extra:
            extra_name = self.scope.names("extra_test")
            test = extra[0] if len(extra) == 1 else ast.BoolOp(op=ast.And(), values=extra)
            extra_def = template(f"def {extra_name}():\n    return test", s,
                                 test=self.expr(_located(test, s)))
        target = _clone(s.target)
        return template(
            f"def {loop_body}({itr}):\n    decl\n    target = {itr}\n    body\n"
            f"extra_def\nfns\nprelude\n"
            f"{AG}.for_stmt(iterable, {extra_name}, {loop_body}, {get}, {set_}, names"
            f"{self._opts(in_try)})", s,
            decl=decl, target=target, body=body, extra_def=extra_def, fns=fns,
            prelude=prelude, iterable=iterable, names=tup)


def _check_convertible(fn, filename):
    for n in _walk_stmts(fn.body):
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            raise ConversionError(
                f"{filename}:{n.lineno}: {fn.name} is a generator (it yields here), which "
                f"autograph cannot convert: a traced function returns its results (collect "
                f"them in a list, or use lamina.while_loop)")


def convert_function_body(fn, names):
    """Rewrite FunctionDef `fn` in place (its nested functions too)."""
    fn.body = _LowerJumps(names).visit(ast.Module(body=fn.body, type_ignores=[])).body
    _lower_returns(fn, names)
    params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    for a in (fn.args.vararg, fn.args.kwarg):
        if a is not None:
            params.add(a.arg)
    fn.args.defaults = [_Expressions().visit(d) for d in fn.args.defaults]
    fn.body = _ControlFlow(_Scope(fn, names)).block(fn.body, params)


def convert(fn, filename):
    """The converted copy of FunctionDef `fn` (located in `filename`, for messages)."""
    fn = _clone(fn)
    _check_convertible(fn, filename)
    fn.decorator_list = []
    convert_function_body(fn, _Names(fn))
    ast.fix_missing_locations(fn)
    return fn


def convert_lambda(node):
    """The converted copy of Lambda `node`: its body is an expression, so only its calls,
    and/or/not and conditional expressions change."""
    node = _clone(node)
    node.body = _Expressions().visit(node.body)
    ast.fix_missing_locations(node)
    return node
