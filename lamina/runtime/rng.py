"""The state of lamina's random generator (Philox-4x32-10, see
lamina/dialects/lamina_ops/random.py): `STATE`, an int64 array [seed, counter], one per
process.

Compiled random ops read and advance it in place: every loaded module's `@__lamina_rng`
global is bound to this buffer (lamina.driver links it as an external symbol), and eager draws
(lamina.frontend.random_state) use the same buffer, so a program draws the same values
whichever way its ops run. The buffer never moves: writes go into it.
"""

from __future__ import annotations

import numpy as np

SYMBOL = "__lamina_rng"
STATE = np.zeros(2, np.int64)
ADDRESS = STATE.ctypes.data

__all__ = ["SYMBOL", "STATE", "ADDRESS"]
