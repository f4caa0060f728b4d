"""Every dialect lamina knows; importing this package registers them all."""

from . import func  # noqa: F401
