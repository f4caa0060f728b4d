"""`lamina.config`: the devices lamina sees, and whether `function`s stage."""

from .device import list_logical_devices, list_physical_devices
from .function import functions_run_eagerly, run_functions_eagerly

__all__ = ["list_physical_devices", "list_logical_devices", "run_functions_eagerly",
           "functions_run_eagerly"]
