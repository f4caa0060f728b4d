"""The compile cache: object code and its calling metadata, in memory and on disk.

Keys hash everything the object code depends on: the IR, the target, llvmlite's and lamina's
versions, and a fingerprint of lamina's own compiler sources, so a changed lowering never hits
a stale entry. Entries are written to a private file and renamed into place (concurrent
writers are safe) and carry a checksum: a corrupt entry is a miss, recompiled, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile

from ..ir.cachedir import cache_dir

MAGIC = b"LAMINA-OBJ-1\n"
_fingerprint = []


def compiler_fingerprint():
    """A hash of every source file of the lamina package (computed once per process)."""
    if not _fingerprint:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        h = hashlib.sha256()
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for f in sorted(filenames):
                if f.endswith(".py"):
                    p = os.path.join(dirpath, f)
                    h.update(p[len(root):].encode())
                    with open(p, "rb") as fh:
                        h.update(fh.read())
        _fingerprint.append(h.hexdigest())
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
    def __init__(self, directory=None):
        self.memory = {}
        self._dir = directory

    @property
    def directory(self):
        return self._dir if self._dir is not None else cache_dir("objects")

    def _path(self, key):
        d = self.directory
        return None if d is None else os.path.join(d, key[:2], key + ".obj")

    def get(self, key):
        hit = self.memory.get(key)
        if hit is not None:
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
        self.memory[key] = entry
        return entry

    def put(self, key, obj, meta):
        entry = (bytes(obj), meta)
        self.memory[key] = entry
        path = self._path(key)
        if path is None:
            return
        payload = _encode(obj, meta)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only or full cache directory only costs recompilation


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
