"""The lamina dialect's control flow (cond, while, yield), variables (the `!lamina.variable` type,
read_variable, assign_variable) and printing (lamina.print in tf.print's format): syntax,
verifier errors, effects, folding, references, and convert-lamina-to-structured."""

from __future__ import annotations

import numpy as np
import pytest

import lamina  # noqa: F401  (registers every dialect)
import lamina.lowering  # noqa: F401  (registers convert-lamina-to-structured)
from lamina import ir
from lamina.dialects.lamina_ops import control as C, io as IO, state as ST
from lamina.ir import IRError
from lamina.ir import types as T
from lamina.passes import run_pipeline
from lamina.passes.effects import is_pure


def verify_error(text):
    with pytest.raises(IRError) as e:
        ir.verify(ir.parse(text))
    return e.value.message


def run(text, pipeline):
    m = ir.parse(text)
    ir.verify(m)
    run_pipeline(m, f"builtin.module({pipeline})")
    ir.verify(m)
    printed = str(m)
    assert str(ir.parse(printed)) == printed
    return printed


COND = ("func.func @f(%p: tensor<i1>, %a: tensor<3xf32>, %b: tensor<2xf32>) -> tensor<?xf32> {{\n"
        "  %0 = lamina.cond %p -> (tensor<?xf32>) {{\n    lamina.yield {0} : {1}\n"
        "  }} else {{\n    lamina.yield %b : tensor<2xf32>\n  }}\n"
        "  return %0 : tensor<?xf32>\n}}")


def test_cond_yields_refine_results():
    ir.verify(ir.parse(COND.format("%a", "tensor<3xf32>")))
    bad = COND.format("%p", "tensor<i1>")
    assert verify_error(bad) == "'lamina.cond' op then region yields (tensor<i1>), which does " \
                                "not match (tensor<?xf32>)"
    no_else = ("func.func @f(%p: tensor<i1>) {\n  \"lamina.cond\"(%p) ({\n  \"lamina.yield\"() : "
               "() -> ()\n  }, {\n  }) : (tensor<i1>) -> ()\n  return\n}")
    assert verify_error(no_else) == "'lamina.cond' op expects the else region to have one block"
    # the custom form implies the predicate's type
    assert verify_error(COND.format("%a", "tensor<3xf32>").replace("%p: tensor<i1>",
                                                                   "%p: tensor<i32>")) == \
        "use of value '%p' expects different type than prior uses: 'tensor<i1>' vs 'tensor<i32>'"


def test_cond_on_a_constant_is_its_region():
    text = ("func.func @f(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {\n"
            "  %p = lamina.constant dense<false> : tensor<i1>\n"
            "  %0 = lamina.cond %p -> (tensor<3xf32>) {\n    lamina.yield %a : tensor<3xf32>\n"
            "  } else {\n    %1 = lamina.add %b, %b : (tensor<3xf32>, tensor<3xf32>) -> "
            "tensor<3xf32>\n    lamina.yield %1 : tensor<3xf32>\n  }\n"
            "  return %0 : tensor<3xf32>\n}")
    out = run(text, "canonicalize")
    assert "lamina.cond" not in out and "lamina.add %arg1, %arg1" in out


WHILE = C.WhileOp.opdef.examples[0]


def while_text(init="tensor<2xf32>", carried="tensor<?xf32>", body_arg=None, cond_yield=None):
    body_arg = body_arg or carried
    cond_yield = cond_yield or "lamina.yield %p : tensor<i1>"
    return (f"func.func @f(%a: {init}, %p: tensor<i1>) -> {carried} {{\n"
            f"  %0 = lamina.while (%x = %a) : ({init}) -> {carried} {{\n    {cond_yield}\n"
            f"  }} do {{\n  ^bb0(%y: {body_arg}):\n    lamina.yield %y : {body_arg}\n  }}\n"
            f"  return %0 : {carried}\n}}")


def test_while_verification():
    ir.verify(ir.parse(WHILE))
    ir.verify(ir.parse(while_text()))
    # the initial value may be more static than the carried type, not the other way round
    assert verify_error(while_text("tensor<?xf32>", "tensor<2xf32>")) == \
        "'lamina.while' op initial value #0 of type tensor<?xf32> does not match the carried " \
        "type tensor<2xf32>"
    assert verify_error(while_text(cond_yield="lamina.yield %p, %p : tensor<i1>, tensor<i1>")) \
        == "'lamina.while' op cond region yields (tensor<i1>, tensor<i1>), which does not " \
           "match (tensor<i1>)"
    assert verify_error(while_text(body_arg="tensor<2xf32>")) == \
        "'lamina.while' op expects the body region's arguments to be the carried values " \
        "(tensor<?xf32>)"


def test_yield_belongs_to_cond_or_while():
    msg = verify_error("func.func @f(%a: tensor<f32>) {\n  lamina.yield %a : tensor<f32>\n}")
    assert msg == "'lamina.yield' op expects parent op to be one of 'lamina.cond, lamina.while'"


def test_control_flow_lowers_to_scf():
    out = run(COND.format("%a", "tensor<3xf32>"), "convert-lamina-to-structured")
    assert "%0 = tensor.extract %arg0[] : tensor<i1>" in out
    assert "scf.if %0 -> (tensor<?xf32>)" in out
    assert "tensor.cast %arg1 : tensor<3xf32> to tensor<?xf32>" in out
    out = run(WHILE, "convert-lamina-to-structured")
    assert "scf.while (%arg2 = %arg0, %arg3 = %0) : (tensor<i32>, tensor<?xf32>) -> " \
           "(tensor<i32>, tensor<?xf32>)" in out
    assert "scf.condition(%3) %arg2, %arg3 : tensor<i32>, tensor<?xf32>" in out
    assert "lamina." not in out


def test_unsigned_carried_values_become_signless():
    text = ("func.func @f(%a: tensor<ui8>, %p: tensor<i1>) -> tensor<ui8> {\n"
            "  %0 = lamina.while (%x = %a) : (tensor<ui8>) -> tensor<ui8> {\n"
            "    lamina.yield %p : tensor<i1>\n  } do {\n  ^bb0(%y: tensor<ui8>):\n"
            "    %1 = lamina.add %y, %y : (tensor<ui8>, tensor<ui8>) -> tensor<ui8>\n"
            "    lamina.yield %1 : tensor<ui8>\n  }\n  return %0 : tensor<ui8>\n}")
    out = run(text, "convert-lamina-to-structured")
    assert "ui8" not in out and "scf.while (%arg2 = %arg0) : (tensor<i8>) -> tensor<i8>" in out


# -- variables ------------------------------------------------------------------------------------

VAR = ST.ReadVariableOp.opdef.examples[0]


def test_variable_type():
    t = ST.VariableType(T.RankedTensorType([3, 5], T.f32))
    assert str(t) == "!lamina.variable<tensor<3x5xf32>>"
    m = ir.parse(VAR)
    assert m.regions[0].blocks[0].first.regions[0].blocks[0].args[0].type == t
    with pytest.raises(IRError, match="a variable holds a ranked tensor"):
        ir.parse("func.func @f(%v: !lamina.variable<f32>) {\n  return\n}")


def test_variable_ops():
    text = ("func.func @f(%v: !lamina.variable<tensor<2xf32>>, %x: tensor<2xf32>) -> "
            "tensor<2xf32> {\n"
            "  %0 = lamina.read_variable %v : !lamina.variable<tensor<2xf32>>\n"
            "  lamina.assign_variable %v, %x : !lamina.variable<tensor<2xf32>>\n"
            "  %1 = lamina.read_variable %v : !lamina.variable<tensor<2xf32>>\n"
            "  %2 = lamina.add %0, %1 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n"
            "  return %2 : tensor<2xf32>\n}")
    # the two reads are apart by a write: CSE keeps both
    out = run(text, "cse,canonicalize")
    assert out.count("lamina.read_variable") == 2
    m = ir.parse(text)
    ops = list(m.regions[0].blocks[0].first.regions[0].blocks[0])
    assert not is_pure(ops[0]) and not is_pure(ops[1])
    # they stay through convert-lamina-to-structured, for bufferization
    out = run(text, "convert-lamina-to-structured")
    assert out.count("lamina.read_variable") == 2 and "lamina.assign_variable" in out
    bad = text.replace("lamina.assign_variable %v, %x : !lamina.variable<tensor<2xf32>>",
                       "\"lamina.assign_variable\"(%v, %0) : (!lamina.variable<tensor<2xf32>>, "
                       "tensor<2xf32>) -> ()").replace("%x: tensor<2xf32>", "%x: tensor<3xf32>")
    ir.verify(ir.parse(bad))
    bad = bad.replace("\"lamina.assign_variable\"(%v, %0)", "\"lamina.assign_variable\"(%v, %x)")
    bad = bad.replace("(!lamina.variable<tensor<2xf32>>, tensor<2xf32>) -> ()",
                      "(!lamina.variable<tensor<2xf32>>, tensor<3xf32>) -> ()")
    assert verify_error(bad) == "'lamina.assign_variable' op value type tensor<3xf32> must be " \
                                "the variable's type tensor<2xf32>"
    unsigned = run("func.func @f(%v: !lamina.variable<tensor<2xui8>>) -> tensor<2xui8> {\n"
                   "  %0 = lamina.read_variable %v : !lamina.variable<tensor<2xui8>>\n"
                   "  return %0 : tensor<2xui8>\n}", "convert-lamina-to-structured")
    assert "!lamina.variable<tensor<2xi8>>" in unsigned and "ui8" not in unsigned


# -- print -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,summarize,text", [
    (np.array([1., 2., 3.], np.float32), 3, "[1 2 3]"),
    (np.array(5, np.int32), 3, "5"),
    (np.arange(10, dtype=np.int64), 3, "[0 1 2 ... 7 8 9]"),
    (np.arange(10, dtype=np.int64), -1, "[0 1 2 3 4 5 6 7 8 9]"),
    (np.arange(6, dtype=np.int32).reshape(2, 3), 3, "[[0 1 2]\n [3 4 5]]"),
    (np.arange(8, dtype=np.int32).reshape(2, 2, 2), 3, "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]"),
    (np.arange(49, dtype=np.int32).reshape(7, 7), 1, "[[0 ... 6]\n ...\n [42 ... 48]]"),
    (np.array([0.1, 1 / 3, 1e10, -2.5, np.inf, np.nan], np.float32), -1,
     "[0.1 0.333333343 1e+10 -2.5 inf nan]"),
    (np.array([0.1, 1 / 3], np.float64), 3, "[0.1 0.33333333333333331]"),
    (np.array([True, False]), 3, "[1 0]"),
    (np.array([200, 7], np.uint8), 3, "[200 7]"),
    (np.array([1.5, 2], np.float16), 3, "[1.5 2]"),
    (np.zeros((0,), np.float32), 3, "[]"),
])
def test_print_format(value, summarize, text):
    assert IO.format_tensor(value, summarize) == text


def test_print_op():
    m = ir.parse(IO.PrintOp.opdef.examples[0])
    ops = list(m.regions[0].blocks[0].first.regions[0].blocks[0])
    assert not is_pure(ops[0])
    x, u = np.array([[1., 2., 3.], [4., 5., 6.]], np.float32), np.array(7, np.uint8)
    assert IO.PrintOp.reference(x, u, **ops[0].reference_attrs()) == \
        "x: [[1 2 3]\n [4 5 6]] and 7\n"
    bad = IO.PrintOp.opdef.examples[0].replace('"x: {} and {}\\0A"', '"x: {}\\0A"')
    assert verify_error(bad) == "'lamina.print' op template has 1 placeholders for 2 inputs"
    out = run(IO.PrintOp.opdef.examples[0], "convert-lamina-to-structured,cse")
    for decl in ("func.func private @laminaPrintTensorU8(tensor<*xi8>, i64)",
                 "func.func private @laminaPrintTensorF32(tensor<*xf32>, i64)",
                 "func.func private @laminaPrintString(tensor<*xi8>)"):
        assert out.count(decl) == 1
    assert "arith.constant dense<[120, 58, 32]> : tensor<3xi8>" in out  # "x: "
    assert out.count("func.call @laminaPrintString") == 5
    assert "arith.constant -1 : i64" in out
    # two prints are two calls, in order
    m = ir.parse(IO.PrintOp.opdef.examples[0])
    run_pipeline(m, "builtin.module(cse,canonicalize)")
    assert str(m).count("lamina.print") == 3
