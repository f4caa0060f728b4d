"""The compile cache: object code and its calling metadata, in memory and on disk.

Keys hash everything the object code depends on: the IR, the target (LLVM's view of the host,
remembered without LLVM: lamina.runtime.jit.target_description), llvmlite's and lamina's
versions, and a fingerprint of lamina's own compiler sources, so a changed lowering never hits
a stale entry. Entries are written to a private file and renamed into place (concurrent
writers are safe) and carry a checksum: a corrupt entry is a miss, recompiled, never trusted.
The in-memory level keeps the most recently used `max_entries` entries, so a process that
compiles many distinct functions holds a bounded amount of object code.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import struct
import tempfile
import threading

from ..ir.cachedir import cache_dir

MAGIC = b"LAMINA-OBJ-1\n"
_fingerprint = []


def _sources(root, prefix=""):
    """(name relative to root, directory entry) of the `.py` files under `root`, in a fixed
    order: a directory's files, then its subdirectories, each sorted by name. (os.scandir's
    entries: a fresh process walks the sources on every cache lookup, twice as fast as
    os.walk with os.path.relpath.)"""
    with os.scandir(root) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        if e.name.endswith(".py") and not e.is_dir():
            yield prefix + e.name, e
    for e in entries:
        if e.is_dir(follow_symlinks=False) and e.name != "__pycache__":
            yield from _sources(e.path, prefix + e.name + os.sep)


def source_digest(root):
    """A hash of the names and contents of the `.py` files under `root`."""
    h = hashlib.sha256()
    for name, entry in _sources(root):
        with open(entry.path, "rb") as fh:
            data = fh.read()
        name = name.encode()
        h.update(struct.pack("<QQ", len(name), len(data)))
        h.update(name)
        h.update(data)
    return h.hexdigest()


def remembered_source_digest(root):
    """source_digest(root), remembered on disk under the sources' names, sizes and
    modification times (the test Python's bytecode cache applies to them): a fresh process
    stats the sources and reads one small file instead of reading every source."""
    h = hashlib.sha256(os.path.abspath(root).encode())
    for name, entry in _sources(root):
        st = entry.stat()
        h.update(f"\0{name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    d = cache_dir("fingerprints")
    path = None if d is None else os.path.join(d, h.hexdigest())
    if path is not None:
        try:
            with open(path, "rb") as f:
                digest = f.read().decode("ascii")
            if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
                return digest
        except (OSError, UnicodeDecodeError):
            pass
    digest = source_digest(root)
    if path is not None:
        write_atomically(path, digest.encode())
    return digest


def compiler_fingerprint():
    """The source digest of the lamina package (computed once per process)."""
    if not _fingerprint:
        _fingerprint.append(remembered_source_digest(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))))
    return _fingerprint[0]


def make_key(*parts):
    from .. import __version__
    from .jit import target_description
    h = hashlib.sha256()
    for p in (__version__, target_description(), compiler_fingerprint()) + parts:
        data = p if isinstance(p, bytes) else str(p).encode()
        h.update(struct.pack("<Q", len(data)))
        h.update(data)
    return h.hexdigest()


class ObjectCache:
    def __init__(self, directory=None, max_entries=256):
        self.memory = collections.OrderedDict()  # key -> (object code, meta), oldest first
        self.max_entries = max_entries
        self._dir = directory
        self._lock = threading.Lock()

    @property
    def directory(self):
        return self._dir if self._dir is not None else cache_dir("objects")

    def _path(self, key):
        d = self.directory
        return None if d is None else os.path.join(d, key[:2], key + ".obj")

    def _remember(self, key, entry):
        with self._lock:
            self.memory[key] = entry
            self.memory.move_to_end(key)
            while len(self.memory) > self.max_entries:
                self.memory.popitem(last=False)

    def get(self, key):
        with self._lock:
            hit = self.memory.get(key)
            if hit is not None:
                self.memory.move_to_end(key)
                return hit
        path = self._path(key)
        if path is None:
            return None
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        entry = _decode(data)
        if entry is None:
            try:
                os.remove(path)  # corrupt: recompile and rewrite
            except OSError:
                pass
            return None
        self._remember(key, entry)
        return entry

    def put(self, key, obj, meta):
        self._remember(key, (bytes(obj), meta))
        path = self._path(key)
        if path is None:
            return
        write_atomically(path, _encode(obj, meta))


def write_atomically(path, data):
    """Write a private file and rename it into place: readers see the whole file or none. A
    read-only or full cache directory only costs recomputation."""
    tmp = None
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            try:
                os.remove(tmp)
            except OSError:
                pass


def _encode(obj, meta):
    m = json.dumps(meta, sort_keys=True).encode()
    body = struct.pack("<Q", len(m)) + m + bytes(obj)
    return MAGIC + hashlib.sha256(body).digest() + body


def _decode(data):
    n = len(MAGIC)
    if len(data) < n + 40 or not data.startswith(MAGIC):
        return None
    digest, body = data[n:n + 32], data[n + 32:]
    if hashlib.sha256(body).digest() != digest:
        return None
    (mlen,) = struct.unpack("<Q", body[:8])
    try:
        meta = json.loads(body[8:8 + mlen])
    except ValueError:
        return None
    return body[8 + mlen:], meta


CACHE = ObjectCache()
