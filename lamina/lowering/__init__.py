"""Conversions between levels, one module per conversion, each registered as a pass by name
(`lamina-opt --convert-structured-to-loops`), and the translations out of MLIR."""

from . import bufferize  # noqa: F401
from . import structured_to_loops  # noqa: F401
from . import structured_tile  # noqa: F401
from . import scf_to_cf  # noqa: F401
from . import to_llvm  # noqa: F401
from . import lamina_to_structured  # noqa: F401
from . import structured_fuse  # noqa: F401
from . import structured_vectorize  # noqa: F401
from . import loops_to_gpu  # noqa: F401
from . import gpu_kernel_outlining  # noqa: F401
from . import parallel_outline  # noqa: F401
from . import gpu_math_approximations  # noqa: F401
from . import gpu_to_nvvm  # noqa: F401
