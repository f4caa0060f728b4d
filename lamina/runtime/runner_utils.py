"""The runner utilities, native: what mlir-runner's `libmlir_c_runner_utils` and
`libmlir_runner_utils` give MLIR programs (printF32, printI64, printNewline, printMemrefF32,
rtclock, ...), written here as LLVM IR that lamina compiles (through the object cache) and
loads once per process. Compiled code that declares one of these symbols is linked against
this library (lamina.driver does it), so vector.print and the printMemref calls of MLIR's test
files run natively and print what mlir-runner prints:

- scalars as C's printf prints them (`%g` for floats, so 1.5, 3e+10, nan, -inf);
- memrefs as upstream's C++ printer (`std::cout << x`, whose default float format is `%g`
  too; int8 elements print as characters, index elements unsigned), with the same metadata
  line, brackets, commas, line breaks and indentation. One deliberate difference: a dimension
  of size 0 prints as `[]`, where upstream reads (and prints) the element past its end.

Besides upstream's names, `__lamina_print_memref_<kind>(rank, descriptor)` exist for every
element type a tensor can have (KINDS; integers print as numbers, int8 included), for
lamina-run's printing of results (`print_memref`).
"""

from __future__ import annotations

import ctypes

from . import jit

# element kinds: LLVM type, printf format, printf's argument type, the conversion to it
_KINDS = {
    "f16": ("half", "%g", "double", "fpext"),
    "bf16": ("bfloat", "%g", "double", "fpext"),
    "f32": ("float", "%g", "double", "fpext"),
    "f64": ("double", "%g", "double", None),
    "i1": ("i1", "%d", "i32", "zext"),
    "i8": ("i8", "%d", "i32", "sext"),
    "char": ("i8", "%c", "i32", "sext"),  # `std::cout << int8_t` writes a character
    "i16": ("i16", "%d", "i32", "sext"),
    "i32": ("i32", "%d", "i32", None),
    "i64": ("i64", "%ld", "i64", None),
    "u8": ("i8", "%u", "i32", "zext"),
    "u16": ("i16", "%u", "i32", "zext"),
    "u32": ("i32", "%u", "i32", None),
    "u64": ("i64", "%lu", "i64", None),
}
KINDS = tuple(k for k in _KINDS if k != "char")  # those of __lamina_print_memref_<kind>
# upstream's memref printers: name suffix -> element kind
_UPSTREAM = {"I8": "char", "I32": "i32", "I64": "i64", "F32": "f32", "F64": "f64",
             "Ind": "u64"}
_UNRANKED_ONLY = ("I8",)  # upstream has no `printMemrefI8(rank, ptr)`
_RANKED = [(f"{r}dF32", "f32", r) for r in range(5)] + \
    [(f"1d{k}", v, 1) for k, v in _UPSTREAM.items() if k != "F32"]

LAMINA_PRINTER = "__lamina_print_memref_"


class _IR:
    """LLVM IR text with its string constants pooled."""

    def __init__(self):
        self.strings = {}
        self.lines = []

    def s(self, text):
        g = self.strings.get(text)
        if g is None:
            g = self.strings[text] = f"@.str{len(self.strings)}"
        return g

    def printf(self, fmt, *args):
        a = "".join(f", {t} {v}" for t, v in args)
        return f"call i32 (ptr, ...) @printf(ptr {self.s(fmt)}{a})"

    def define(self, text):
        self.lines.append(text.strip("\n"))

    def text(self):
        out = []
        for text, g in self.strings.items():
            data = text.encode() + b"\0"
            body = "".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C)
                           else f"\\{b:02X}" for b in data)
            out.append(f'{g} = private unnamed_addr constant [{len(data)} x i8] c"{body}"')
        out += ["declare i32 @printf(ptr, ...)", "declare i32 @dprintf(i32, ptr, ...)",
                "declare i32 @gettimeofday(ptr, ptr)", "declare i32 @clock_gettime(i32, ptr)"]
        return "\n".join(out) + "\n\n" + "\n\n".join(self.lines) + "\n"


def _scalar_printers(ir):
    for name, ty, fmt, conv in (
            ("printI64", "i64", "%ld", ""), ("printU64", "i64", "%lu", ""),
            ("printF32", "float", "%g", "%d = fpext float %x to double"),
            ("printF64", "double", "%g", ""),
            # 16-bit floats come as their bits
            ("printF16", "i16", "%g", "%h = bitcast i16 %x to half\n"
                                      "  %d = fpext half %h to double"),
            ("printBF16", "i16", "%g", "%h = bitcast i16 %x to bfloat\n"
                                       "  %d = fpext bfloat %h to double")):
        arg = ("double", "%d") if conv else (ty, "%x")
        body = (f"  {conv}\n" if conv else "") + f"  {ir.printf(fmt, arg)}"
        ir.define(f"define void @{name}({ty} %x) {{\n{body}\n  ret void\n}}")
    for name in ("printString", "printCString"):
        ir.define(f"define void @{name}(ptr %s) {{\n  {ir.printf('%s', ('ptr', '%s'))}\n"
                  "  ret void\n}")
    for name, text in (("printOpen", "( "), ("printClose", " )"), ("printComma", ", "),
                       ("printNewline", "\n")):
        ir.define(f"define void @{name}() {{\n  {ir.printf(text)}\n  ret void\n}}")
    # upstream writes to stderr, unbuffered
    gflops = ir.s("%lf GFLOPS\n")
    ir.define(f"""
define void @printFlops(double %flops) {{
  %g = fdiv double %flops, 1.0e9
  call i32 (i32, ptr, ...) @dprintf(i32 2, ptr {gflops}, double %g)
  ret void
}}""")
    ir.define("""
define double @rtclock() {
  %tv = alloca { i64, i64 }
  call i32 @gettimeofday(ptr %tv, ptr null)
  %s = load i64, ptr %tv
  %up = getelementptr { i64, i64 }, ptr %tv, i32 0, i32 1
  %u = load i64, ptr %up
  %sf = sitofp i64 %s to double
  %uf = sitofp i64 %u to double
  %us = fmul double %uf, 1.0e-6
  %t = fadd double %sf, %us
  ret double %t
}""")
    ir.define("""
define i64 @_mlir_ciface_nanoTime() {
  %ts = alloca { i64, i64 }
  call i32 @clock_gettime(i32 0, ptr %ts)
  %s = load i64, ptr %ts
  %np = getelementptr { i64, i64 }, ptr %ts, i32 0, i32 1
  %n = load i64, ptr %np
  %sn = mul i64 %s, 1000000000
  %t = add i64 %sn, %n
  ret i64 %t
}""")


def _memref_printer(ir):
    """The shared memref printer; the element printer is passed as a function pointer."""
    ir.define(f"""
define internal void @__lamina_space(i64 %n) {{
entry:
  br label %head
head:
  %i = phi i64 [ 0, %entry ], [ %i1, %body ]
  %more = icmp slt i64 %i, %n
  br i1 %more, label %body, label %done
body:
  {ir.printf(" ")}
  %i1 = add i64 %i, 1
  br label %head
done:
  ret void
}}""")
    ir.define(f"""
define internal void @__lamina_separator(i1 %newline) {{
  {ir.printf(", ")}
  br i1 %newline, label %nl, label %done
nl:
  {ir.printf(chr(10))}
  br label %done
done:
  ret void
}}""")
    # upstream's MemRefDataPrinter::print, printFirst and printLast in one function
    ir.define(f"""
define internal void @__lamina_data(ptr %elem, ptr %base, i64 %dim, i64 %rank, i64 %offset,
                                    ptr %sizes, ptr %strides) {{
entry:
  %scalar = icmp eq i64 %dim, 0
  br i1 %scalar, label %element, label %nested
element:
  call void %elem(ptr %base, i64 %offset)
  ret void
nested:
  %n = load i64, ptr %sizes
  %stride = load i64, ptr %strides
  %inner = sub i64 %dim, 1
  %sizes1 = getelementptr i64, ptr %sizes, i64 1
  %strides1 = getelementptr i64, ptr %strides, i64 1
  %indent = sub i64 %rank, %inner
  %multi = icmp sgt i64 %dim, 1
  {ir.printf("[")}
  %empty = icmp sle i64 %n, 0
  br i1 %empty, label %close, label %first
first:
  call void @__lamina_data(ptr %elem, ptr %base, i64 %inner, i64 %rank, i64 %offset,
                           ptr %sizes1, ptr %strides1)
  %single = icmp sle i64 %n, 1
  br i1 %single, label %close, label %first_sep
close:
  {ir.printf("]")}
  ret void
first_sep:
  call void @__lamina_separator(i1 %multi)
  br label %head
head:
  %i = phi i64 [ 1, %first_sep ], [ %i1, %body ]
  %next = add i64 %i, 1
  %more = icmp slt i64 %next, %n
  br i1 %more, label %body, label %last
body:
  call void @__lamina_space(i64 %indent)
  %step = mul i64 %i, %stride
  %at = add i64 %offset, %step
  call void @__lamina_data(ptr %elem, ptr %base, i64 %inner, i64 %rank, i64 %at,
                           ptr %sizes1, ptr %strides1)
  call void @__lamina_separator(i1 %multi)
  %i1 = add i64 %i, 1
  br label %head
last:
  call void @__lamina_space(i64 %indent)
  %nm1 = sub i64 %n, 1
  %lstep = mul i64 %nm1, %stride
  %lat = add i64 %offset, %lstep
  call void @__lamina_data(ptr %elem, ptr %base, i64 %inner, i64 %rank, i64 %lat,
                           ptr %sizes1, ptr %strides1)
  {ir.printf("]")}
  ret void
}}""")
    ir.define(f"""
define internal void @__lamina_list(ptr %p, i64 %n) {{
entry:
  %empty = icmp sle i64 %n, 0
  br i1 %empty, label %done, label %first
first:
  %x0 = load i64, ptr %p
  {ir.printf("%ld", ("i64", "%x0"))}
  br label %head
head:
  %i = phi i64 [ 1, %first ], [ %i1, %body ]
  %more = icmp slt i64 %i, %n
  br i1 %more, label %body, label %done
body:
  %q = getelementptr i64, ptr %p, i64 %i
  %x = load i64, ptr %q
  {ir.printf(", %ld", ("i64", "%x"))}
  %i1 = add i64 %i, 1
  br label %head
done:
  ret void
}}""")
    # printMemRefMetaData: `std::cout << (void *)p` writes 0 for null, else what %p writes
    ir.define(f"""
define internal void @__lamina_metadata(ptr %prefix, i64 %rank, ptr %desc) {{
entry:
  {ir.printf("%s", ("ptr", "%prefix"))}
  %ap = getelementptr i8, ptr %desc, i64 8
  %aligned = load ptr, ptr %ap
  %null = icmp eq ptr %aligned, null
  br i1 %null, label %zero, label %pointer
zero:
  {ir.printf("base@ = 0")}
  br label %rest
pointer:
  {ir.printf("base@ = %p", ("ptr", "%aligned"))}
  br label %rest
rest:
  %op = getelementptr i8, ptr %desc, i64 16
  %offset = load i64, ptr %op
  {ir.printf(" rank = %ld offset = %ld sizes = [", ("i64", "%rank"), ("i64", "%offset"))}
  %sizes = getelementptr i8, ptr %desc, i64 24
  call void @__lamina_list(ptr %sizes, i64 %rank)
  {ir.printf("] strides = [")}
  %strides = getelementptr i64, ptr %sizes, i64 %rank
  call void @__lamina_list(ptr %strides, i64 %rank)
  {ir.printf("]")}
  ret void
}}""")
    ir.define(f"""
define internal void @__lamina_memref(ptr %prefix, ptr %elem, i64 %rank, ptr %desc) {{
entry:
  call void @__lamina_metadata(ptr %prefix, i64 %rank, ptr %desc)
  {ir.printf(" data = " + chr(10))}
  %r0 = icmp eq i64 %rank, 0
  br i1 %r0, label %open, label %data
open:
  {ir.printf("[")}
  br label %data
data:
  %ap = getelementptr i8, ptr %desc, i64 8
  %aligned = load ptr, ptr %ap
  %op = getelementptr i8, ptr %desc, i64 16
  %offset = load i64, ptr %op
  %sizes = getelementptr i8, ptr %desc, i64 24
  %strides = getelementptr i64, ptr %sizes, i64 %rank
  call void @__lamina_data(ptr %elem, ptr %aligned, i64 %rank, i64 %rank, i64 %offset,
                           ptr %sizes, ptr %strides)
  br i1 %r0, label %close, label %end
close:
  {ir.printf("]")}
  br label %end
end:
  {ir.printf(chr(10))}
  ret void
}}""")


def _element_printers(ir):
    for kind, (ty, fmt, arg_t, conv) in _KINDS.items():
        convert = f"  %y = {conv} {ty} %x to {arg_t}\n" if conv else ""
        ir.define(f"""
define internal void @__lamina_elem_{kind}(ptr %base, i64 %offset) {{
  %p = getelementptr {ty}, ptr %base, i64 %offset
  %x = load {ty}, ptr %p
{convert}  {ir.printf(fmt, (arg_t, "%y" if conv else "%x"))}
  ret void
}}""")


def _unranked(ir, name, kind, via_pointer, shape_only=False):
    """A printer of an unranked memref: `name(ptr %u)` (the C interface: a pointer to
    {rank, descriptor pointer}) or `name(i64 %rank, ptr %desc)`."""
    prefix = ir.s("Unranked Memref ")
    if via_pointer:
        head = (f"define void @{name}(ptr %u) {{\n  %rank = load i64, ptr %u\n"
                "  %dp = getelementptr i8, ptr %u, i64 8\n  %desc = load ptr, ptr %dp\n")
    else:
        head = f"define void @{name}(i64 %rank, ptr %desc) {{\n"
    if shape_only:
        body = (f"  call void @__lamina_metadata(ptr {prefix}, i64 %rank, ptr %desc)\n"
                f"  {ir.printf(chr(10))}\n")
    else:
        body = (f"  call void @__lamina_memref(ptr {prefix}, ptr @__lamina_elem_{kind}, "
                "i64 %rank, ptr %desc)\n")
    ir.define(head + body + "  ret void\n}")


def _memref_entries(ir):
    names = []
    for suffix, kind in _UPSTREAM.items():
        for name, via_pointer, shape in ((f"_mlir_ciface_printMemref{suffix}", True, False),
                                         (f"_mlir_ciface_printMemrefShape{suffix}", True, True),
                                         (f"printMemref{suffix}", False, False)):
            if not via_pointer and suffix in _UNRANKED_ONLY:
                continue
            _unranked(ir, name, kind, via_pointer, shape)
            names.append(name)
    for suffix, kind, rank in _RANKED:
        name = f"_mlir_ciface_printMemref{suffix}"
        ir.define(f"""
define void @{name}(ptr %desc) {{
  call void @__lamina_memref(ptr {ir.s("Memref ")}, ptr @__lamina_elem_{kind}, i64 {rank},
                             ptr %desc)
  ret void
}}""")
        names.append(name)
    for kind in _KINDS:
        if kind != "char":
            _unranked(ir, LAMINA_PRINTER + kind, kind, False)
            names.append(LAMINA_PRINTER + kind)
    return names


def _generate():
    ir = _IR()
    _scalar_printers(ir)
    _memref_printer(ir)
    _element_printers(ir)
    names = _memref_entries(ir)
    scalars = ["printI64", "printU64", "printF32", "printF64", "printF16", "printBF16",
               "printString", "printCString", "printOpen", "printClose", "printComma",
               "printNewline", "printFlops", "rtclock", "_mlir_ciface_nanoTime"]
    return ir.text(), tuple(scalars + names)


IR_TEXT, _EXPORTS = _generate()
NATIVE = jit.NativeLibrary("runner-utils", IR_TEXT, _EXPORTS)
SYMBOLS = NATIVE.symbols
library = NATIVE.load
addresses = NATIVE.addresses


_PRINTER = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_void_p)


def print_memref(array, kind):
    """Print a numpy array as printMemref prints a memref (`kind`: an element kind, e.g.
    'f32', 'u8', 'i1'), through C's stdout: the caller flushes it."""
    rank = array.ndim
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
              ("strides", ctypes.c_int64 * rank)]
    desc = type("Descriptor", (ctypes.Structure,), {"_fields_": fields})()
    data = array.__array_interface__["data"][0]
    desc.allocated = desc.aligned = data
    desc.offset = 0
    for i in range(rank):
        desc.sizes[i] = array.shape[i]
        desc.strides[i] = array.strides[i] // array.itemsize
    fn = _PRINTER(library().address(LAMINA_PRINTER + kind))
    fn(rank, ctypes.addressof(desc))

