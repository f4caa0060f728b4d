"""Every dialect lamina knows; importing this package registers them all."""

from . import func  # noqa: F401
from . import arith  # noqa: F401
from . import math  # noqa: F401
from . import lamina_ops  # noqa: F401  (the `lamina` dialect)
from . import structured  # noqa: F401
from . import cf  # noqa: F401
from . import scf  # noqa: F401
from . import memref  # noqa: F401
from . import tensor  # noqa: F401
from . import bufferization  # noqa: F401
from . import vector  # noqa: F401  (imports arith, whose #arith.fastmath vector.reduction uses)
from . import llvm  # noqa: F401
from . import gpu  # noqa: F401
from . import nvvm  # noqa: F401
