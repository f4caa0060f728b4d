"""The upstream `func` dialect: functions, calls and returns."""

from __future__ import annotations

from ..ir import types as T
from ..ir.attributes import ArrayAttr, DictionaryAttr, StringAttr, TypeAttr, print_attr_dict, \
    print_symbol
from ..ir.constraints import (ArrayOf, FlatSymbolRef, StrAttr, SymbolName, TypeAttrOf,
                              TypeConstraint, Unit)
from ..ir.core import Block, IRError
from ..ir.format import custom_directive
from ..ir.opdef import (AutomaticAllocationScope, ConstantLike, FunctionLike, HasParent,
                        IsolatedFromAbove, Op, Pure, ReturnLike, Symbol, Terminator, operand,
                        opt_prop, prop, region, result, var_operand, var_result)
from ..ir.lexer import symbol_name

FunctionTypeC = TypeConstraint(lambda t: t.__class__ is T.FunctionType, "function type")


# -- `@name(%arg0: i32 {attrs}, ...) -> (i32 {attrs})`, shared by func.func and llvm.func --

def _header_build(child, parts, args):
    vis, sym, fargs, results = child
    if vis is not None:
        parts.props["sym_visibility"] = StringAttr(vis)
    parts.props["sym_name"] = StringAttr(symbol_name(sym.value))
    fargs = fargs or []
    results = results or []
    named = [a for a in fargs if a[0] is not None]
    if named and len(named) != len(fargs):
        raise IRError("expected SSA identifier for every argument, or none")
    parts.props["function_type"] = TypeAttr(T.FunctionType([a[1] for a in fargs],
                                                           [r[0] for r in results]))
    if any(a[2] for a in fargs):
        parts.props["arg_attrs"] = ArrayAttr([DictionaryAttr(a[2] or {}) for a in fargs])
    if any(r[1] for r in results):
        parts.props["res_attrs"] = ArrayAttr([DictionaryAttr(r[1] or {}) for r in results])
    if named:
        parts.extra = [(0, [(a[0], a[1]) for a in fargs])]


def _header_print(op, p, args):
    vis = op.properties.get("sym_visibility")
    if vis is not None:
        p.element(vis.value)
    ft = op.properties["function_type"].value
    arg_attrs = op.properties.get("arg_attrs")
    res_attrs = op.properties.get("res_attrs")
    body = op.regions[0].blocks[0] if op.regions and op.regions[0].blocks else None
    parts = []
    for i, t in enumerate(ft.inputs):
        s = f"{p.name(body.args[i])}: {t}" if body is not None else str(t)
        if arg_attrs is not None and arg_attrs[i].value:
            s += " " + print_attr_dict(arg_attrs[i].value)
        parts.append(s)
    text = print_symbol(op.properties["sym_name"].value) + "(" + ", ".join(parts) + ")"
    if ft.results:
        rs = []
        for i, t in enumerate(ft.results):
            s = str(t)
            if res_attrs is not None and res_attrs[i].value:
                s += " " + print_attr_dict(res_attrs[i].value)
            rs.append(s)
        if len(rs) == 1 and res_attrs is None and not isinstance(ft.results[0], T.FunctionType):
            text += " -> " + rs[0]
        else:
            text += " -> (" + ", ".join(rs) + ")"
    p.element(text)


custom_directive(
    "FunctionHeader", "func_header",
    r'''
func_header: [func_visibility] SYMBOL "(" [func_arg ("," func_arg)*] ")" ["->" func_results]
!func_visibility: "private" | "public" | "nested"
func_arg: VALUE_ID ":" type [attr_dict] [trailing_loc]  -> func_named_arg
        | type [attr_dict]                              -> func_anon_arg
?func_results: non_function_type                        -> func_single_result
             | "(" [func_result ("," func_result)*] ")" -> func_result_list
func_result: type [attr_dict]
''',
    _header_build, _header_print,
    callbacks={
        "func_header": lambda c: (c[0], c[1], [a for a in c[2:-1] if a is not None], c[-1]),
        "func_visibility": lambda c: c[0].value,
        "func_named_arg": lambda c: (c[0], c[1], c[2]),
        "func_anon_arg": lambda c: (None, c[0], c[1]),
        "func_single_result": lambda c: [(c[0], None)],
        "func_result_list": lambda c: [r for r in c if r is not None],
        "func_result": lambda c: (c[0], c[1]),
    })


class FuncOp(FunctionLike):
    """A function: a symbol with a signature and (unless it is a declaration) a body."""

    name = "func.func"
    sym_name = prop(SymbolName())
    function_type = prop(TypeAttrOf(FunctionTypeC))
    sym_visibility = opt_prop(StrAttr())
    arg_attrs = opt_prop(ArrayOf())
    res_attrs = opt_prop(ArrayOf())
    no_inline = opt_prop(Unit())
    body = region(implicit_args=True)
    traits = (IsolatedFromAbove, Symbol, AutomaticAllocationScope)
    effects = ()
    assembly_format = ("custom<FunctionHeader>($sym_visibility, $sym_name, $function_type, "
                       "$arg_attrs, $res_attrs) attr-dict-with-keyword ($body^)?")
    examples = (
        "func.func @f(%arg0: i32 {foo.arg}, %arg1: f32) -> (i32 {foo.res}) "
        "attributes {foo.fn} {\n  return %arg0 : i32\n}",
        "func.func private @decl(i32, f32) -> f32",
        "func.func @g() {\n  return\n}",
    )

    @classmethod
    def build(cls, name, function_type, visibility=None, loc=None):
        op = cls(sym_name=StringAttr(name), function_type=TypeAttr(function_type),
                 sym_visibility=StringAttr(visibility) if visibility else None, loc=loc)
        op.regions[0].add_block(Block(function_type.inputs))
        return op

    def verify_(self):
        ft = self.type
        if not self.is_declaration:
            entry = self.entry
            if [a.type for a in entry.args] != list(ft.inputs):
                raise self.error("entry block argument types must match the function signature "
                                 f"{ft}")
        elif self.properties.get("sym_visibility") is None or \
                self.properties["sym_visibility"].value == "public":
            raise self.error("symbol declaration cannot have public visibility")
        for key, n in (("arg_attrs", len(ft.inputs)), ("res_attrs", len(ft.results))):
            a = self.properties.get(key)
            if a is not None and len(a) != n:
                raise self.error(f"expects {key} to have {n} entries")


class ReturnOp(Op):
    """Returns from the enclosing func.func; operand types match its result types."""

    name = "func.return"
    aliases = ("return",)
    input = var_operand()
    traits = (Pure, Terminator, ReturnLike, HasParent("func.func"))
    assembly_format = "attr-dict ($input^ `:` type($input))?"
    examples = ("func.func @f(%arg0: i32) -> i32 {\n  func.return %arg0 : i32\n}",)

    def verify_(self):
        fn = self.parent_op
        if fn is None or fn.name != "func.func":
            return
        results = fn.type.results
        if len(results) != len(self.operands):
            raise self.error(f"has {len(self.operands)} operands, but enclosing function "
                             f"(@{fn.sym}) returns {len(results)}")
        for i, (v, t) in enumerate(zip(self.operands, results)):
            if v.type != t:
                raise self.error(f"type of return operand {i} ({v.type}) doesn't match "
                                 f"function result type ({t}) in function @{fn.sym}")


class CallOp(Op):
    """A direct call of a func.func symbol."""

    name = "func.call"
    aliases = ("call",)
    callee = prop(FlatSymbolRef())
    operands_ = var_operand()
    results_ = var_result()
    no_inline = opt_prop(Unit())
    assembly_format = ("$callee `(` $operands_ `)` attr-dict `:` "
                       "functional-type(operands, results)")
    examples = ("func.func private @g(i32) -> f32\n"
                "func.func @f(%arg0: i32) -> f32 {\n"
                "  %0 = func.call @g(%arg0) : (i32) -> f32\n  return %0 : f32\n}",)

    def verify_symbol_uses(self, symbols):
        name = self.properties["callee"].root
        fn = symbols.lookup(self, name)
        if fn is None:
            raise self.error(f"'{name}' does not reference a valid function")
        ft = fn.properties.get("function_type")
        if ft is None:
            raise self.error(f"'{name}' does not reference a valid function")
        ft = ft.value
        if [v.type for v in self.operands] != list(ft.inputs):
            raise self.error("operand type mismatch: expected operand types "
                             f"{', '.join(map(str, ft.inputs))} for @{name}")
        if [r.type for r in self.results] != list(ft.results):
            raise self.error(f"result type mismatch: expected {', '.join(map(str, ft.results))}"
                             f" for @{name}")


class CallIndirectOp(Op):
    """A call of a function value."""

    name = "func.call_indirect"
    aliases = ("call_indirect",)
    callee = operand(FunctionTypeC)
    callee_operands = var_operand()
    results_ = var_result()
    assembly_format = "$callee `(` $callee_operands `)` attr-dict `:` type($callee)"
    examples = ("func.func @f(%arg0: (i32) -> i32, %arg1: i32) -> i32 {\n"
                "  %0 = func.call_indirect %arg0(%arg1) : (i32) -> i32\n  return %0 : i32\n}",)

    @classmethod
    def infer_parsed_types(cls, parts):
        ft = parts.operand_types[0][0]
        parts.operand_types[1] = list(ft.inputs)
        parts.result_types[0] = list(ft.results)


class ConstantOp(Op):
    """A function symbol as a value."""

    name = "func.constant"
    aliases = ("constant",)
    value = prop(FlatSymbolRef())
    result_ = result(FunctionTypeC)
    traits = (Pure, ConstantLike)
    assembly_format = "attr-dict $value `:` type(results)"
    examples = ("func.func private @g(i32) -> i32\n"
                "func.func @f() -> ((i32) -> i32) {\n"
                "  %0 = func.constant @g : (i32) -> i32\n  return %0 : (i32) -> i32\n}",)


__all__ = ["FuncOp", "ReturnOp", "CallOp", "CallIndirectOp", "ConstantOp"]
