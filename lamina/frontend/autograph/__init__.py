"""autograph: converts the Python control flow of traced functions on tensors into
`lamina.cond` / `lamina.while` (transformer.py rewrites the source, operators.py decides when
the function runs, conversion.py compiles the result under the user's file name). Lambdas are
converted too: their calls, conditional expressions and `and`/`or`/`not`.

`to_code(f)` returns the generated source; `experimental.do_not_convert` (also
`experimental_do_not_convert`, `do_not_convert`) marks a function to run as written.
"""

import types as _types

from .conversion import convert_entry, do_not_convert, to_code
from .transformer import ConversionError

experimental_do_not_convert = do_not_convert
experimental = _types.SimpleNamespace(do_not_convert=do_not_convert)

__all__ = ["to_code", "do_not_convert", "experimental_do_not_convert", "experimental",
           "convert_entry", "ConversionError"]
