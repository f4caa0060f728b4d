"""Where lamina keeps caches: `LAMINA_CACHE_DIR`, else `$XDG_CACHE_HOME/lamina`, else
`~/.cache/lamina`. Lives in the IR core because the parser's tables are its first user and the
core imports nothing above it."""

from __future__ import annotations

import os


def cache_dir(*sub):
    """The cache directory (created), or None if it cannot be created."""
    base = os.environ.get("LAMINA_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "lamina")
    path = os.path.join(base, *sub)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return path
