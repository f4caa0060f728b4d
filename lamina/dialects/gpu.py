"""The upstream `gpu` dialect: kernels as regions launched over a grid of blocks of threads
(`gpu.launch`), outlined into `gpu.module`/`gpu.func` and launched by symbol
(`gpu.launch_func`); thread and block ids and sizes, barriers, warp shuffles, and shared
memory as workgroup attributions (extra entry-block arguments of a `gpu.func` in
`#gpu.address_space<workgroup>`)."""

from __future__ import annotations

from ..ir import types as T
from ..ir.attributes import IntegerAttr, StringAttr, TypeAttr, print_symbol
from ..ir.constraints import (AttrConstraint, DenseArrayOf, SymbolRef, TypeAttrOf,
                              TypeConstraint, SymbolName)
from ..ir.core import Attribute, Block, IRError
from ..ir.format import custom_directive
from ..ir.opdef import (HasParent, IsolatedFromAbove, NoTerminator, Op, Pure,
                        RecursiveMemoryEffects, ReturnLike, SingleBlock, SymbolTable, Symbol,
                        Terminator, opt_operand, opt_prop, opt_result, operand, prop, region,
                        result, var_operand)
from ..ir.lexer import symbol_name
from ..ir.registry import register_attr

IndexType = TypeConstraint(lambda t: t.__class__ is T.IndexType, "index", buildable=T.index)
I32 = TypeConstraint(lambda t: t == T.i32, "i32", buildable=T.i32)
FunctionTypeC = TypeConstraint(lambda t: t.__class__ is T.FunctionType, "function type")
DIMS = ("x", "y", "z")


# -- attributes --------------------------------------------------------------------------------

class GpuEnumAttr(Attribute):
    """`#gpu<dim x>`, `#gpu<shuffle_mode xor>`: the gpu dialect's enums, which upstream
    spells with the dialect's own attribute prefix and the enum's name first."""

    __slots__ = ("kind", "case")
    KINDS = {"dim": DIMS, "shuffle_mode": ("xor", "up", "down", "idx")}

    def __init__(self, kind, case):
        if case not in self.KINDS.get(kind, ()):
            raise IRError(f"'{case}' is not a case of gpu {kind} "
                          f"(expected one of {', '.join(self.KINDS.get(kind, ()))})")
        self.kind = kind
        self.case = case

    def _key(self):
        return (self.kind, self.case)

    def __str__(self):
        return f"#gpu<{self.kind} {self.case}>"

    @classmethod
    def parse_body(cls, body):
        words = body.strip()[1:-1].split()
        if len(words) != 2 or words[0] not in cls.KINDS:
            raise IRError(f"unknown gpu attribute '#gpu{body}'")
        return cls(*words)


class AddressSpaceAttr(Attribute):
    """`#gpu.address_space<workgroup>`: the memory space of a memref (global, shared by a
    block: workgroup, or one thread's: private)."""

    __slots__ = ("case",)
    CASES = ("global", "workgroup", "private")
    # NVPTX's numbers for them: global 1, shared 3, local 5
    NVPTX = {"global": 1, "workgroup": 3, "private": 5}

    def __init__(self, case):
        if case not in self.CASES:
            raise IRError(f"'{case}' is not a gpu address space ({', '.join(self.CASES)})")
        self.case = case

    def _key(self):
        return self.case

    def __str__(self):
        return f"#gpu.address_space<{self.case}>"

    @classmethod
    def parse_body(cls, body):
        return cls(body.strip()[1:-1].strip())


register_attr("gpu", GpuEnumAttr)
register_attr("gpu.address_space", AddressSpaceAttr)
WORKGROUP = AddressSpaceAttr("workgroup")


class GpuEnum(AttrConstraint):
    """A gpu enum property written as its bare case (`gpu.thread_id x`)."""

    grammar = "bare_id"

    def __init__(self, kind):
        self.kind = kind
        self.desc = f"gpu {kind} ({', '.join(GpuEnumAttr.KINDS[kind])})"

    def check(self, a):
        return a.__class__ is GpuEnumAttr and a.kind == self.kind

    def build(self, tok):
        return GpuEnumAttr(self.kind, tok.value)

    def print(self, a):
        return a.case


def is_workgroup(t):
    return t.__class__ is T.MemRefType and t.memory_space == WORKGROUP


# -- containers ----------------------------------------------------------------------------------

class GPUModuleOp(Op):
    """A symbol table of device code: the gpu.funcs that kernels were outlined into."""

    name = "gpu.module"
    sym_name = prop(SymbolName())
    bodyRegion = region(single_block=True)
    traits = (IsolatedFromAbove, NoTerminator, SymbolTable, Symbol, SingleBlock)
    effects = ()
    assembly_format = "$sym_name attr-dict-with-keyword $bodyRegion"
    examples = (
        "module attributes {gpu.container_module} {\n  gpu.module @kernels {\n"
        "    gpu.func @k() kernel {\n      gpu.return\n    }\n  }\n}",)

    @classmethod
    def build(cls, name, loc=None):
        op = cls(sym_name=StringAttr(name), loc=loc)
        op.regions[0].add_block(Block())
        return op

    @property
    def body(self):
        return self.regions[0].blocks[0]

    def lookup(self, name):
        """The gpu.func (or, once lowered, llvm.func) `name` of this module."""
        for o in self.body:
            if o.name == "gpu.func" and o.sym == name:
                return o
            if o.name == "llvm.func" and o.properties["sym_name"].value == name:
                return o
        return None


# -- gpu.func: `@k(%a: t, ...) workgroup(%s : t, ...) kernel attributes {...}` -------------------
# (sym_name, gpu.kernel and workgroup_attributions are attributes, not properties, upstream)

def _func_build(child, parts, args):
    sym, fargs, wg, kernel = child
    ft_p, body_f = args
    parts.attrs["sym_name"] = StringAttr(symbol_name(sym.value))
    parts.props[ft_p.name] = TypeAttr(T.FunctionType([t for _, t in fargs], []))
    parts.attrs["workgroup_attributions"] = IntegerAttr(len(wg), T.i64)
    if kernel:
        from ..ir.attributes import UnitAttr
        parts.attrs["gpu.kernel"] = UnitAttr()
    parts.extra = [(body_f.index, list(fargs) + list(wg))]


def _func_print(op, p, args):
    block = op.entry
    n = len(op.type.inputs)
    text = print_symbol(op.sym) + "(" + ", ".join(
        f"{p.name(a)}: {a.type}" for a in block.args[:n]) + ")"
    wg = block.args[n:n + op.num_workgroup]
    if wg:
        text += " workgroup(" + ", ".join(f"{p.name(a)} : {a.type}" for a in wg) + ")"
    if op.is_kernel:
        text += " kernel"
    p.element(text)


custom_directive(
    "GpuFuncHeader", "gpu_func_header",
    r'''
gpu_func_header: SYMBOL "(" [gpu_arg ("," gpu_arg)*] ")" [gpu_workgroup] [gpu_kernel_kw]
gpu_arg: VALUE_ID ":" type
gpu_workgroup: "workgroup" "(" [gpu_arg ("," gpu_arg)*] ")"
gpu_kernel_kw: "kernel"
''',
    _func_build, _func_print,
    callbacks={
        "gpu_func_header": lambda c: (c[0], [a for a in c[1:-2] if a is not None],
                                      c[-2] or [], c[-1] is not None),
        "gpu_arg": lambda c: (c[0], c[1]),
        "gpu_workgroup": lambda c: [a for a in c if a is not None],
        "gpu_kernel_kw": lambda c: True,
    })


class GPUFuncOp(Op):
    """A function of device code; `kernel` ones are launched from the host. Entry-block
    arguments after the signature's are workgroup (shared) memory buffers of the block."""

    name = "gpu.func"
    function_type = prop(TypeAttrOf(FunctionTypeC))
    known_block_size = opt_prop(DenseArrayOf(T.i32))
    known_grid_size = opt_prop(DenseArrayOf(T.i32))
    body = region(implicit_args=True)
    traits = (IsolatedFromAbove, Symbol, HasParent("gpu.module"))
    attributes_printed_elsewhere = ("sym_name", "gpu.kernel", "workgroup_attributions")
    effects = ()
    assembly_format = ("custom<GpuFuncHeader>($function_type, $body) "
                       "attr-dict-with-keyword $body")
    examples = (
        "module attributes {gpu.container_module} {\n  gpu.module @kernels {\n"
        "    gpu.func @k(%arg0: memref<?xf32>, %arg1: index) workgroup(%arg2 : memref<32xf32, "
        "#gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 32, "
        "1, 1>} {\n      gpu.return\n    }\n    gpu.func @helper(%arg0: f32) {\n"
        "      gpu.return\n    }\n  }\n}",)

    @classmethod
    def build(cls, name, inputs, workgroup=(), kernel=True, loc=None):
        """A kernel (by default) with an entry block: the arguments, then the workgroup
        buffers (memref types in the workgroup address space)."""
        from ..ir.attributes import UnitAttr
        attrs = {"sym_name": StringAttr(name),
                 "workgroup_attributions": IntegerAttr(len(workgroup), T.i64)}
        if kernel:
            attrs["gpu.kernel"] = UnitAttr()
        op = cls(function_type=TypeAttr(T.FunctionType(list(inputs), [])), attributes=attrs,
                 loc=loc)
        op.regions[0].add_block(Block(list(inputs) + list(workgroup)))
        return op

    @property
    def sym(self):
        return self.attributes["sym_name"].value

    @property
    def type(self):
        return self.properties["function_type"].value

    @property
    def entry(self):
        return self.regions[0].blocks[0]

    @property
    def is_kernel(self):
        return "gpu.kernel" in self.attributes

    @property
    def num_workgroup(self):
        a = self.attributes.get("workgroup_attributions")
        return a.value if a is not None else 0

    @property
    def arguments(self):
        return self.entry.args[:len(self.type.inputs)]

    @property
    def workgroup_buffers(self):
        n = len(self.type.inputs)
        return self.entry.args[n:n + self.num_workgroup]

    def verify_(self):
        if "sym_name" not in self.attributes:
            raise self.error("requires string attribute 'sym_name'")
        ft = self.type
        if self.is_kernel and ft.results:
            raise self.error("expected void return type for kernel function")
        if not self.regions[0].blocks:
            return
        args = self.entry.args
        n = len(ft.inputs)
        if [a.type for a in args[:n]] != list(ft.inputs):
            raise self.error(f"entry block argument types must match the function signature "
                             f"{ft}")
        for i, a in enumerate(args[n:n + self.num_workgroup]):
            if not is_workgroup(a.type):
                raise self.error(f"expected memref type in address space workgroup for "
                                 f"workgroup attribution {i}")


class ReturnOp(Op):
    """Returns from a gpu.func."""

    name = "gpu.return"
    operands_ = var_operand()
    traits = (Pure, Terminator, ReturnLike, HasParent("gpu.func"))
    assembly_format = "attr-dict ($operands_^ `:` type($operands_))?"
    examples = GPUFuncOp.examples


# -- gpu.launch: a kernel written in place --------------------------------------------------------

def _launch_build(child, parts, args):
    bids, grid, tids, block, shared, wg = child
    wg = wg or []
    body_f = args[-1]
    for f, (_, v) in zip(args[0:6], list(grid) + list(block)):
        parts.operands[f.index] = [v]
        parts.operand_types[f.index] = [T.index]
    if shared is not None:
        parts.operands[args[6].index] = [shared]
        parts.operand_types[args[6].index] = [T.i32]
    names = list(bids) + list(tids) + [a for a, _ in grid] + [a for a, _ in block]
    parts.extra = [(body_f.index, [(n, T.index) for n in names] + list(wg))]
    parts.attrs["workgroup_attributions"] = IntegerAttr(len(wg), T.i64)


def _launch_print(op, p, args):
    a = op.body.args
    n = lambda vs: ", ".join(p.name(v) for v in vs)  # noqa: E731
    pairs = lambda xs, vs: ", ".join(f"{p.name(x)} = {p.name(v)}"  # noqa: E731
                                     for x, v in zip(xs, vs))
    text = (f"blocks({n(a[0:3])}) in ({pairs(a[6:9], op.grid_sizes)}) "
            f"threads({n(a[3:6])}) in ({pairs(a[9:12], op.block_sizes)})")
    if op.dynamicSharedMemorySize is not None:
        text += f" dynamic_shared_memory_size {p.name(op.dynamicSharedMemorySize)}"
    wg = op.workgroup_buffers
    if wg:
        text += " workgroup(" + ", ".join(f"{p.name(x)} : {x.type}" for x in wg) + ")"
    p.element(text)


custom_directive(
    "GpuLaunchHeader", "gpu_launch_header",
    r'''
gpu_launch_header: "blocks" gpu_grid "threads" gpu_grid [gpu_dsm] [gpu_workgroup]
gpu_grid: gpu_ids "in" gpu_sizes
gpu_ids: "(" VALUE_ID "," VALUE_ID "," VALUE_ID ")"
gpu_sizes: "(" gpu_size "," gpu_size "," gpu_size ")"
gpu_size: VALUE_ID "=" value_use
gpu_dsm: "dynamic_shared_memory_size" value_use
''',
    _launch_build, _launch_print,
    callbacks={
        "gpu_launch_header": lambda c: (*c[0], *c[1], *(list(c[2:]) + [None] * 2)[:2]),
        "gpu_grid": tuple,
        "gpu_ids": list,
        "gpu_sizes": list,
        "gpu_size": tuple,
        "gpu_dsm": lambda c: c[0],
    })


class _LaunchSizes(Op):
    """The operands gpu.launch and gpu.launch_func share, in upstream's order (which their
    operandSegmentSizes count)."""

    asyncDependencies = var_operand()
    gridSizeX = operand(IndexType)
    gridSizeY = operand(IndexType)
    gridSizeZ = operand(IndexType)
    blockSizeX = operand(IndexType)
    blockSizeY = operand(IndexType)
    blockSizeZ = operand(IndexType)
    clusterSizeX = opt_operand(IndexType)
    clusterSizeY = opt_operand(IndexType)
    clusterSizeZ = opt_operand(IndexType)
    dynamicSharedMemorySize = opt_operand(I32)

    @property
    def grid_sizes(self):
        return [self.gridSizeX, self.gridSizeY, self.gridSizeZ]

    @property
    def block_sizes(self):
        return [self.blockSizeX, self.blockSizeY, self.blockSizeZ]


class LaunchOp(_LaunchSizes):
    """A kernel in place: its body runs once per thread of a grid of blocks; the entry block
    holds block ids, thread ids, grid sizes and block sizes (x, y, z each)."""

    name = "gpu.launch"
    body_region = region(implicit_args=True)
    traits = (RecursiveMemoryEffects,)
    attributes_printed_elsewhere = ("workgroup_attributions",)
    assembly_format = ("custom<GpuLaunchHeader>($gridSizeX, $gridSizeY, $gridSizeZ, "
                       "$blockSizeX, $blockSizeY, $blockSizeZ, $dynamicSharedMemorySize, "
                       "$body_region) $body_region attr-dict")
    examples = (
        "func.func @f(%n: index, %m: memref<?xf32>) {\n  %c1 = arith.constant 1 : index\n"
        "  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1) "
        "threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {\n"
        "    %v = memref.load %m[%bx] : memref<?xf32>\n    memref.store %v, %m[%tx] : "
        "memref<?xf32>\n    gpu.terminator\n  }\n"
        "  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1) "
        "threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) workgroup(%w : "
        "memref<32xf32, #gpu.address_space<workgroup>>) {\n"
        "    %v = memref.load %w[%tx] : memref<32xf32, #gpu.address_space<workgroup>>\n"
        "    memref.store %v, %m[%tx] : memref<?xf32>\n    gpu.terminator\n  }\n"
        "  return\n}",)

    @classmethod
    def build(cls, grid, block, workgroup=(), loc=None):
        """A body block with the 12 index arguments, then one per workgroup buffer (memref
        types in the workgroup address space); the caller fills it and ends it with
        gpu.terminator."""
        op = cls([], *grid, *block, None, None, None, None,
                 attributes={"workgroup_attributions": IntegerAttr(len(workgroup), T.i64)},
                 loc=loc)
        op.regions[0].add_block(Block([T.index] * 12 + list(workgroup)))
        return op

    @property
    def workgroup_buffers(self):
        a = self.attributes.get("workgroup_attributions")
        return self.body.args[12:12 + (a.value if a is not None else 0)]

    @property
    def body(self):
        return self.regions[0].blocks[0]

    def verify_(self):
        if not self.regions[0].blocks or len(self.body.args) < 12:
            raise self.error("expected body region with at least 12 arguments")


class TerminatorOp(Op):
    """Ends the body of gpu.launch."""

    name = "gpu.terminator"
    traits = (Pure, Terminator, HasParent("gpu.launch"))
    assembly_format = "attr-dict"
    examples = LaunchOp.examples


# -- gpu.launch_func: `@mod::@k blocks in (...) threads in (...) args(%a : t, ...)` -------------

def _args_build(child, parts, args):
    f = args[0]
    pairs = child or []
    parts.operands[f.index] = [v for v, _ in pairs]
    parts.operand_types[f.index] = [t for _, t in pairs]


def _args_print(op, p, args):
    if op.kernelOperands:
        p.element("args(" + ", ".join(f"{p.name(v)} : {v.type}"
                                      for v in op.kernelOperands) + ")")


custom_directive(
    "GpuLaunchFuncOperands", "gpu_launch_args",
    r'''
gpu_launch_args: ["args" "(" gpu_launch_arg ("," gpu_launch_arg)* ")"]
gpu_launch_arg: value_use ":" type
''',
    _args_build, _args_print,
    callbacks={"gpu_launch_args": lambda c: [a for a in c if a is not None] if c[0] else [],
               "gpu_launch_arg": tuple})


class LaunchFuncOp(_LaunchSizes):
    """Launches the kernel gpu.func `@module::@kernel` over a grid of blocks of threads."""

    name = "gpu.launch_func"
    kernel = prop(SymbolRef())
    kernelOperands = var_operand()
    asyncObject = opt_operand()
    asyncToken = opt_result()
    assembly_format = (
        "$kernel `blocks` `in` `(` $gridSizeX `,` $gridSizeY `,` $gridSizeZ `)` "
        "`threads` `in` `(` $blockSizeX `,` $blockSizeY `,` $blockSizeZ `)` "
        "(`dynamic_shared_memory_size` $dynamicSharedMemorySize^)? "
        "custom<GpuLaunchFuncOperands>($kernelOperands) attr-dict")
    examples = (
        "module attributes {gpu.container_module} {\n  gpu.module @kernels {\n"
        "    gpu.func @k(%arg0: memref<?xf32>, %arg1: index) kernel {\n      gpu.return\n"
        "    }\n  }\n  func.func @f(%arg0: memref<?xf32>, %arg1: index, %arg2: i32) {\n"
        "    %c1 = arith.constant 1 : index\n"
        "    gpu.launch_func @kernels::@k blocks in (%arg1, %c1, %c1) threads in (%c1, %c1, "
        "%c1) args(%arg0 : memref<?xf32>, %arg1 : index)\n"
        "    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)"
        " dynamic_shared_memory_size %arg2 args(%arg0 : memref<?xf32>, %arg1 : index)\n"
        "    return\n  }\n}",)

    @classmethod
    def build(cls, module_name, kernel_name, grid, block, operands, shared_bytes=None,
              loc=None):
        from ..ir.attributes import SymbolRefAttr
        return cls([], *grid, *block, None, None, None, shared_bytes, list(operands), None,
                   result_types=[], kernel=SymbolRefAttr(module_name, [kernel_name]), loc=loc)

    @property
    def module_name(self):
        return self.properties["kernel"].root

    @property
    def kernel_name(self):
        return self.properties["kernel"].nested[-1]

    def verify_symbol_uses(self, symbols):
        mod = symbols.lookup(self, self.module_name)
        if mod is None or mod.name != "gpu.module":
            raise self.error(f"kernel container '{self.module_name}' is undefined")
        fn = mod.lookup(self.kernel_name)
        if fn is None:
            raise self.error(f"kernel function '{self.properties['kernel']}' is undefined")
        if fn.name == "llvm.func":  # lowered device code: its arguments are expanded
            if "nvvm.kernel" not in fn.attributes and "gpu.kernel" not in fn.attributes:
                raise self.error("kernel function is missing the 'gpu.kernel' attribute")
            return
        if not fn.is_kernel:
            raise self.error("kernel function is missing the 'gpu.kernel' attribute")
        if [v.type for v in self.kernelOperands] != list(fn.type.inputs):
            raise self.error(f"kernel operand types do not match the signature of "
                             f"{self.properties['kernel']}: {fn.type}")


# -- ids, sizes, sync, shuffles ------------------------------------------------------------------

class _DimOp(Op):
    dimension = prop(GpuEnum("dim"))
    result_ = result(IndexType)
    traits = (Pure,)
    assembly_format = "$dimension attr-dict"

    @classmethod
    def build(cls, dim, loc=None):
        return cls(dimension=GpuEnumAttr("dim", dim), loc=loc)

    @property
    def dim(self):
        return self.properties["dimension"].case


def _dim_example(name):
    return ("module attributes {gpu.container_module} {\n  gpu.module @kernels {\n"
            "    gpu.func @k(%arg0: memref<?xindex>) kernel {\n"
            f"      %0 = {name} x\n      %1 = {name} y\n      %2 = {name} z\n"
            "      memref.store %0, %arg0[%1] : memref<?xindex>\n"
            "      gpu.return\n    }\n  }\n}",)


class ThreadIdOp(_DimOp):
    """The thread's index in its block along x, y or z."""
    name = "gpu.thread_id"
    examples = _dim_example("gpu.thread_id")


class BlockIdOp(_DimOp):
    """The block's index in the grid along x, y or z."""
    name = "gpu.block_id"
    examples = _dim_example("gpu.block_id")


class BlockDimOp(_DimOp):
    """The number of threads of a block along x, y or z."""
    name = "gpu.block_dim"
    examples = _dim_example("gpu.block_dim")


class GridDimOp(_DimOp):
    """The number of blocks of the grid along x, y or z."""
    name = "gpu.grid_dim"
    examples = _dim_example("gpu.grid_dim")


class LaneIdOp(Op):
    """The thread's index in its warp."""
    name = "gpu.lane_id"
    result_ = result(IndexType)
    traits = (Pure,)
    assembly_format = "attr-dict"
    examples = (
        "module attributes {gpu.container_module} {\n  gpu.module @kernels {\n"
        "    gpu.func @k(%arg0: memref<?xindex>) kernel {\n      %0 = gpu.lane_id\n"
        "      memref.store %0, %arg0[%0] : memref<?xindex>\n      gpu.return\n    }\n  }\n}",)


class BarrierOp(Op):
    """Waits until every thread of the block reaches it; their workgroup memory writes are
    then visible to each other."""
    name = "gpu.barrier"
    assembly_format = "attr-dict"
    examples = ("module attributes {gpu.container_module} {\n  gpu.module @kernels {\n"
                "    gpu.func @k() kernel {\n      gpu.barrier\n      gpu.return\n    }\n"
                "  }\n}",)


ShuffleValue = TypeConstraint(
    lambda t: t in (T.i32, T.i64, T.f32, T.f64), "i32, i64, f32 or f64")


class ShuffleOp(Op):
    """A value from another lane of the warp (xor: lane ^ offset; down: lane + offset; up;
    idx: lane `offset`), and whether that lane was within `width`."""
    name = "gpu.shuffle"
    mode = prop(GpuEnum("shuffle_mode"))
    value = operand(ShuffleValue)
    offset = operand(I32)
    width = operand(I32)
    shuffleResult = result(ShuffleValue)
    valid = result(TypeConstraint(lambda t: t == T.i1, "i1", buildable=T.i1))
    traits = (Pure,)
    assembly_format = "$mode $value `,` $offset `,` $width attr-dict `:` type($value)"
    examples = (
        "module attributes {gpu.container_module} {\n  gpu.module @kernels {\n"
        "    gpu.func @k(%arg0: memref<?xf32>, %arg1: f32, %arg2: i32) kernel {\n"
        "      %c32 = arith.constant 32 : i32\n"
        "      %r, %ok = gpu.shuffle xor %arg1, %arg2, %c32 : f32\n"
        "      %s, %ok2 = gpu.shuffle down %r, %arg2, %c32 : f32\n"
        "      %c0 = arith.constant 0 : index\n"
        "      memref.store %s, %arg0[%c0] : memref<?xf32>\n      gpu.return\n    }\n  }\n}",)

    @classmethod
    def build(cls, mode, value, offset, width, loc=None):
        return cls(value, offset, width, result_types=[value.type, T.i1],
                   mode=GpuEnumAttr("shuffle_mode", mode), loc=loc)

    @classmethod
    def infer_parsed_types(cls, parts):
        t = parts.operand_types[0][0]
        parts.operand_types[1] = [T.i32]
        parts.operand_types[2] = [T.i32]
        parts.result_types[0] = [t]
        parts.result_types[1] = [T.i1]


__all__ = ["GpuEnumAttr", "AddressSpaceAttr", "WORKGROUP", "is_workgroup", "GPUModuleOp",
           "GPUFuncOp", "ReturnOp", "LaunchOp", "TerminatorOp", "LaunchFuncOp", "ThreadIdOp",
           "BlockIdOp", "BlockDimOp", "GridDimOp", "LaneIdOp", "BarrierOp", "ShuffleOp"]
