# lit's configuration of lamina's IR tests, so that `lit tests/lit` runs them as pytest does
# (tests/conftest.py): the same tools first on PATH, the same interpreter, the same substitutions.
# -*- Python -*-

import os
import sys
import tempfile

import lit.formats

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))

config.name = "lamina"
config.test_format = lit.formats.ShTest()
config.suffixes = [".mlir"]
config.excludes = ["Inputs"]
config.test_source_root = here
# %t files go to a fresh temporary directory, not into the source tree (nor into another run's)
config.test_exec_root = tempfile.mkdtemp(prefix="lamina-lit-")

config.environment["PATH"] = os.pathsep.join([os.path.join(root, "tests", "tools"),
                                              os.path.dirname(sys.executable),
                                              os.environ.get("PATH", "")])
config.environment["PYTHONPATH"] = os.pathsep.join(
    p for p in (root, os.environ.get("PYTHONPATH")) if p)
config.environment["LAMINA_PYTHON"] = sys.executable
config.environment["LAMINA_TRACEBACK"] = "1"
for var in ("HOME", "LAMINA_CACHE_DIR", "XDG_CACHE_HOME"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
