"""`lamina.test`: what tests ask about the machine."""

from .device import is_gpu_available

__all__ = ["is_gpu_available"]
