"""Object code -> machine code in this process, with ctypes and libc alone: an x86-64 ELF
relocatable object (what LLVM emits for lamina, lamina.runtime.llvm_compiler) is laid out in
one private mapping, relocated and protected. Loading needs no LLVM, so a process whose code
comes from the object cache never starts LLVM.

The mapping holds three page-aligned segments, so every 32-bit PC-relative reference between
the object's sections reaches (an object is far smaller than 2 GiB):

  code       the executable sections (read+execute), then a 16-byte stub for each external
             function called through the PLT: `jmp *0(%rip)` and the function's address, as a
             call's 32-bit displacement reaches the stub but maybe not the function;
  constants  the read-only sections, then the GOT: the address of each symbol that code
             loads through it (read-only once relocated, as a linker's RELRO makes it);
  data       the writable sections, the zero-filled ones (.bss) and common symbols.

Objects with absolute 32-bit relocations (R_X86_64_32/32S, non-PIC code) are mapped below
2 GiB, where those reach. `.eh_frame` is left out, and its relocations with it: nothing
unwinds through lamina's code. External symbols resolve to the `imports` given, else to the
process's symbols (libc, libm, and GCC's runtime library for LLVM's builtins such as
__truncdfhf2). A foreign or truncated file, a relocation type not handled here, a symbol
nothing defines, a relocation that does not reach: an IRError before any code runs.
"""

from __future__ import annotations

import ctypes
import functools
import os
import struct
import sys

from ..ir import IRError

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_SYM = struct.Struct("<IBBHQQ")
_RELA = struct.Struct("<QQq")

_IDENT = b"\x7fELF\x02\x01\x01"  # 64-bit, little-endian, ELF version 1
ET_REL, EM_X86_64 = 1, 62
SHT_SYMTAB, SHT_RELA, SHT_NOBITS, SHT_REL = 2, 4, 8, 9
SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY = 14, 15, 16
SHT_X86_64_UNWIND = 0x70000001  # .eh_frame
_CONSTRUCTORS = (".ctors", ".dtors", ".init_array", ".fini_array", ".preinit_array")
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR, SHF_TLS = 0x1, 0x2, 0x4, 0x400
SHN_UNDEF, SHN_ABS, SHN_COMMON, SHN_LORESERVE = 0, 0xfff1, 0xfff2, 0xff00
STB_LOCAL, STB_WEAK = 0, 2
STT_GNU_IFUNC = 10
GOT_SYMBOL = "_GLOBAL_OFFSET_TABLE_"

CODE, CONSTANTS, DATA = 0, 1, 2
# Linux's mmap and mprotect flags (the mmap module has them, but costs an import)
PROT_READ, PROT_WRITE, PROT_EXEC = 0x1, 0x2, 0x4
MAP_PRIVATE, MAP_ANONYMOUS = 0x02, 0x20
_PROTECTION = {CODE: PROT_READ | PROT_EXEC, CONSTANTS: PROT_READ, DATA: PROT_READ | PROT_WRITE}
PAGE = os.sysconf("SC_PAGE_SIZE")
MAP_32BIT = 0x40  # Linux x86-64: map in the first 2 GiB
_MAX_SIZE = 1 << 46  # more than any object needs; a broken file's sizes can say anything
_STUB = struct.Struct("<6sQ2s")
_STUB_CODE = b"\xff\x25\x00\x00\x00\x00"  # jmp *0(%rip): the address that follows
_STUB_SIZE = 16

# The relocation types handled: name, field ("<q": 64 bits; "<i": 32 bits, signed; "<I": 32
# bits, unsigned), and the value, from S (the symbol's address, or its PLT stub's for the
# PLT kinds), A (addend), P (the place), G (the symbol's GOT entry's offset in the GOT) and
# GOT (the GOT's address).
_RELOCATIONS = {
    1: ("R_X86_64_64", "<q", lambda S, A, P, G, GOT: S + A),
    2: ("R_X86_64_PC32", "<i", lambda S, A, P, G, GOT: S + A - P),
    4: ("R_X86_64_PLT32", "<i", lambda S, A, P, G, GOT: S + A - P),
    9: ("R_X86_64_GOTPCREL", "<i", lambda S, A, P, G, GOT: GOT + G + A - P),
    10: ("R_X86_64_32", "<I", lambda S, A, P, G, GOT: S + A),
    11: ("R_X86_64_32S", "<i", lambda S, A, P, G, GOT: S + A),
    24: ("R_X86_64_PC64", "<q", lambda S, A, P, G, GOT: S + A - P),
    25: ("R_X86_64_GOTOFF64", "<q", lambda S, A, P, G, GOT: S + A - GOT),
    26: ("R_X86_64_GOTPC32", "<i", lambda S, A, P, G, GOT: GOT + A - P),
    27: ("R_X86_64_GOT64", "<q", lambda S, A, P, G, GOT: G + A),
    29: ("R_X86_64_GOTPC64", "<q", lambda S, A, P, G, GOT: GOT + A - P),
    31: ("R_X86_64_PLTOFF64", "<q", lambda S, A, P, G, GOT: S + A - GOT),
    # the relaxable GOTPCRELs: a linker may rewrite the instruction; using the GOT is correct
    41: ("R_X86_64_GOTPCRELX", "<i", lambda S, A, P, G, GOT: GOT + G + A - P),
    42: ("R_X86_64_REX_GOTPCRELX", "<i", lambda S, A, P, G, GOT: GOT + G + A - P),
}
_THROUGH_GOT = frozenset((9, 27, 41, 42))
_THROUGH_PLT = frozenset((4, 31))
_ABSOLUTE_32 = frozenset((10, 11))
_RANGE = {"<q": (-(1 << 63), 1 << 64), "<i": (-(1 << 31), 1 << 31), "<I": (0, 1 << 32)}
_FIELD = {"<q": struct.Struct("<Q"), "<i": struct.Struct("<i"), "<I": struct.Struct("<I")}
_MASK64 = (1 << 64) - 1


# -- libc ----------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_mmap = _libc.mmap
_mmap.restype = ctypes.c_void_p
_mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                  ctypes.c_long]
_mprotect = _libc.mprotect
_mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_munmap = _libc.munmap
_munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_dlsym = _libc.dlsym
_dlsym.restype = ctypes.c_void_p
_dlsym.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_MAP_FAILED = ctypes.c_void_p(-1).value

# Where symbols the process lacks come from, opened on first need: libm (the math functions
# LLVM calls, if nothing loaded it globally) and GCC's runtime library (the conversions LLVM
# lowers to builtins: f64 -> f16, f32 -> f16 without F16C, f32 -> bf16). By soname first:
# find_library runs ldconfig, which costs milliseconds.
_LIBRARIES = (("libm.so.6", "m"), ("libgcc_s.so.1", "gcc_s"))
_process_symbols = {}


def _open(soname, short):
    try:
        return ctypes.CDLL(soname)._handle
    except OSError:
        from ctypes.util import find_library
        name = find_library(short)
        try:
            return ctypes.CDLL(name)._handle if name else None
        except OSError:
            return None


@functools.cache
def _libraries():
    return [h for h in (_open(*names) for names in _LIBRARIES) if h]


def process_symbol(name):
    """The address of `name` among the process's symbols and the libraries above, or None."""
    address = _process_symbols.get(name)
    if address is None:
        key = name.encode()
        address = _dlsym(None, key)  # RTLD_DEFAULT: the process's global scope
        if not address:
            address = next((a for a in (_dlsym(h, key) for h in _libraries()) if a), None)
        if address:
            _process_symbols[name] = address
    return address


# -- the object file -----------------------------------------------------------------------

def _invalid(why):
    return IRError(f"cannot load the object code: {why}")


def _string(obj, table, offset):
    start = table[4] + offset
    end = obj.index(b"\0", start, table[4] + table[5])
    return obj[start:end].decode()


def _parse(obj):
    """(section headers, the section-name table's header, symbols as (name, binding, section
    index, value, size), relocations as (target section, entries)) of an x86-64 relocatable
    object."""
    if len(obj) < _EHDR.size or not obj.startswith(_IDENT):
        raise _invalid("not a 64-bit little-endian ELF file")
    (_, etype, machine, _, _, _, shoff, _, _, _, _, shentsize, shnum,
     shstrndx) = _EHDR.unpack_from(obj)
    if etype != ET_REL or machine != EM_X86_64:
        raise _invalid(f"not an x86-64 relocatable object (type {etype}, machine {machine})")
    if shentsize != _SHDR.size or shoff + shnum * _SHDR.size > len(obj):
        raise _invalid("the section headers lie outside the file")
    sections = [_SHDR.unpack_from(obj, shoff + i * _SHDR.size) for i in range(shnum)]
    for s in sections:
        if s[1] != SHT_NOBITS and s[4] + s[5] > len(obj):
            raise _invalid("a section lies outside the file (truncated?)")
    names = sections[shstrndx] if shstrndx < shnum else None
    symtabs = [i for i, s in enumerate(sections) if s[1] == SHT_SYMTAB]
    symbols = []
    if symtabs:
        tab = sections[symtabs[0]]
        strings = sections[tab[6]]
        for name, info, _, shndx, value, size in _SYM.iter_unpack(
                memoryview(obj)[tab[4]:tab[4] + tab[5] - tab[5] % _SYM.size]):
            name = _string(obj, strings, name) if name else ""
            if info & 0xf == STT_GNU_IFUNC and shndx != SHN_UNDEF:
                raise _invalid(f"'{name}' is an indirect function (ifunc), which lamina "
                               f"does not resolve")
            symbols.append((name, info >> 4, shndx, value, size))
    relocations = []
    for i, s in enumerate(sections):
        if s[1] == SHT_REL:
            raise _invalid("REL relocations (x86-64 objects have RELA)")
        if s[1] == SHT_RELA:
            if s[5] % _RELA.size or (symtabs and s[6] != symtabs[0]):
                raise _invalid(f"malformed relocation section {i}")
            relocations.append((s[7], _RELA.iter_unpack(memoryview(obj)[s[4]:s[4] + s[5]])))
    return sections, names, symbols, relocations


def _align(n, alignment):
    """`n` rounded up to `alignment`, which the mapping's page alignment must honour."""
    if alignment > PAGE:
        raise _invalid(f"an alignment of {alignment} bytes exceeds the page size")
    return n + (-n % alignment) if alignment > 1 else n


class _Layout:
    """Where an object's parts go in its mapping (offsets from its start), and what its
    relocations need (GOT entries, PLT stubs, a mapping below 2 GiB): all decided, and the
    object checked, before anything is mapped."""

    def __init__(self, obj):
        self.obj = obj
        try:
            self.sections, self.names, self.symbols, relocations = _parse(obj)
        except (struct.error, IndexError, ValueError) as e:
            raise _invalid(f"malformed ELF file ({e})") from None
        placed, ends = {}, [0, 0, 0]  # section index -> (segment, offset in it); segment ends
        for i, s in enumerate(self.sections):
            stype, flags, size, alignment = s[1], s[2], s[5], s[8]
            if not flags & SHF_ALLOC or stype == SHT_X86_64_UNWIND:
                continue
            if flags & SHF_TLS:
                raise _invalid(f"{self.section_name(i)} is thread-local storage, which lamina "
                               f"does not support")
            if size and (stype in (SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY)
                         or self.section_name(i).startswith(_CONSTRUCTORS)):
                raise _invalid(f"{self.section_name(i)} holds static constructors or "
                               f"destructors, which lamina does not run")
            seg = CODE if flags & SHF_EXECINSTR else DATA if flags & SHF_WRITE else CONSTANTS
            placed[i] = (seg, _align(ends[seg], alignment))
            ends[seg] = placed[i][1] + size

        self.relocations, self.got, stubs, self.low = [], {}, {}, False
        for target, entries in relocations:
            if target not in placed:
                continue  # .eh_frame's
            entries = list(entries)
            self.relocations.append((target, entries))
            for _, info, _ in entries:
                kind, index = info & 0xffffffff, info >> 32
                if kind not in _RELOCATIONS:
                    raise _invalid(f"relocation type {kind} in {self.section_name(target)} is "
                                   f"not supported")
                if index >= len(self.symbols):
                    raise _invalid(f"a relocation names symbol {index}, which does not exist")
                if kind in _THROUGH_GOT:
                    self.got.setdefault(index, 8 * len(self.got))
                elif kind in _THROUGH_PLT and self._external(index):
                    stubs.setdefault(index, None)
                self.low = self.low or kind in _ABSOLUTE_32

        stub_start = _align(ends[CODE], _STUB_SIZE)
        self.stubs = {index: stub_start + k * _STUB_SIZE for k, index in enumerate(stubs)}
        ends[CODE] = stub_start + len(stubs) * _STUB_SIZE
        got_start = _align(ends[CONSTANTS], 8)
        ends[CONSTANTS] = got_start + 8 * len(self.got)
        common = {}
        for index, (_, _, shndx, alignment, size) in enumerate(self.symbols):
            if shndx == SHN_COMMON:
                common[index] = _align(ends[DATA], alignment)
                ends[DATA] = common[index] + size
        starts = [0, _align(ends[CODE], PAGE)]
        starts.append(starts[1] + _align(ends[CONSTANTS], PAGE))
        self.size = max(starts[DATA] + _align(ends[DATA], PAGE), PAGE)
        if self.size > _MAX_SIZE:
            raise _invalid(f"it needs {self.size} bytes of memory")
        self.segments = [(starts[seg], starts[seg + 1] if seg < DATA else self.size,
                          _PROTECTION[seg]) for seg in (CODE, CONSTANTS, DATA)]
        self.placed = {i: starts[seg] + offset for i, (seg, offset) in placed.items()}
        self.got_start = starts[CONSTANTS] + got_start
        self.common = {index: starts[DATA] + offset for index, offset in common.items()}

    def section_name(self, i):
        try:
            return _string(self.obj, self.names, self.sections[i][0])
        except (TypeError, IndexError, ValueError):
            return f"section {i}"

    def _external(self, index):
        """Whether symbol `index` is defined outside the object."""
        name, _, shndx, _, _ = self.symbols[index]
        return index and shndx == SHN_UNDEF and name != GOT_SYMBOL

    def resolve(self, imports):
        """{symbol index: address} of the external symbols: `imports` first, then the
        process's."""
        external, missing = {}, []
        for index, (name, bind, _, _, _) in enumerate(self.symbols):
            if self._external(index):
                address = imports.get(name) or process_symbol(name)
                if address is None and bind != STB_WEAK:
                    missing.append(name)
                external[index] = address or 0  # an undefined weak symbol is null
        if missing:
            raise _invalid("undefined symbol" + "s" * (len(missing) > 1) + " " +
                           ", ".join(f"'{n}'" for n in missing))
        return external

    def write(self, base, external):
        """Copy, relocate and protect the object in the mapping at `base`; {name: address}
        of its global symbols."""
        symbols, got = self.symbols, base + self.got_start

        def address(index):
            name, _, shndx, value, _ = symbols[index]
            if shndx == SHN_UNDEF:  # symbol 0 is none: its value is 0
                return got if name == GOT_SYMBOL else external.get(index, 0)
            if shndx == SHN_ABS:
                return value
            if shndx == SHN_COMMON:
                return base + self.common[index]
            if shndx >= SHN_LORESERVE or shndx not in self.placed:
                return None  # in a section that is not loaded
            return base + self.placed[shndx] + value

        addresses = [address(i) for i in range(len(symbols))]
        # written in place: the zero-filled sections cost nothing until they are used
        memory = memoryview((ctypes.c_char * self.size).from_address(base)).cast("B")
        for i, at in self.placed.items():
            s = self.sections[i]
            if s[1] != SHT_NOBITS:
                memory[at:at + s[5]] = self.obj[s[4]:s[4] + s[5]]
        for index, at in self.stubs.items():
            _STUB.pack_into(memory, at, _STUB_CODE, addresses[index], b"\xcc\xcc")
        for index, offset in self.got.items():
            if addresses[index] is None:
                raise _invalid(f"symbol '{symbols[index][0]}' is in a section not loaded")
            struct.pack_into("<Q", memory, self.got_start + offset, addresses[index])

        for target, entries in self.relocations:
            section_at, section_size = self.placed[target], self.sections[target][5]
            for r_offset, info, addend in entries:
                kind, index = info & 0xffffffff, info >> 32
                name, form, value = _RELOCATIONS[kind]
                field = _FIELD[form]
                if r_offset + field.size > section_size:
                    raise _invalid(f"a {name} relocation lies outside "
                                   f"{self.section_name(target)}")
                at = section_at + r_offset
                S = base + self.stubs[index] if kind in _THROUGH_PLT and index in self.stubs \
                    else addresses[index]
                if S is None:
                    raise _invalid(f"a {name} relocation refers to '"
                                   f"{symbols[index][0] or self.section_name(symbols[index][2])}"
                                   f"', which is in a section not loaded")
                v = value(S, addend, base + at, self.got.get(index, 0), got)
                lo, hi = _RANGE[form]
                if not lo <= v < hi:
                    raise _invalid(f"{name} relocation against '{symbols[index][0]}' in "
                                   f"{self.section_name(target)} does not reach (value {v:#x})")
                field.pack_into(memory, at, v & _MASK64 if form == "<q" else v)

        for start, end, protection in self.segments:
            if end > start and _mprotect(base + start, end - start, protection):
                raise _invalid(f"mprotect failed (errno {ctypes.get_errno()})")
        return {name: addresses[i] for i, (name, bind, shndx, _, _) in enumerate(symbols)
                if bind != STB_LOCAL and shndx != SHN_UNDEF and addresses[i] is not None}


class Image:
    """Object code loaded into this process: `symbols` maps the names of its global symbols
    to their addresses. The memory is released by `close()`, or when the image is dropped."""

    def __init__(self, obj, imports=None):
        self.base = None
        layout = _Layout(bytes(obj))
        external = layout.resolve(imports or {})
        flags = MAP_PRIVATE | MAP_ANONYMOUS | (MAP_32BIT if layout.low else 0)
        base = _mmap(None, layout.size, PROT_READ | PROT_WRITE, flags, -1, 0)
        if base in (None, _MAP_FAILED):
            raise _invalid(f"mmap of {layout.size} bytes failed (errno {ctypes.get_errno()})")
        self.base, self.size = base, layout.size
        try:
            self.symbols = layout.write(base, external)
        except BaseException:
            self.close()
            raise

    def address(self, name):
        try:
            return self.symbols[name]
        except KeyError:
            raise IRError(f"the object code defines no symbol '{name}'") from None

    def close(self):
        """Unmap the code (the caller guarantees none of it runs any longer)."""
        base, self.base = self.base, None
        if base is not None:
            _munmap(base, self.size)

    def __del__(self, is_finalizing=sys.is_finalizing):
        if not is_finalizing():
            self.close()
