"""Every dialect lamina knows; importing this package registers them all."""

from . import func  # noqa: F401
from . import lamina_ops  # noqa: F401  (the `lamina` dialect)
from . import structured  # noqa: F401
from . import cf  # noqa: F401
from . import scf  # noqa: F401
