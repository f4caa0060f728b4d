"""The seed's section VI (graph functions), run with lamina in place of TensorFlow: each
expression the seed shows is printed as a notebook would show it.

    python examples/function_tour.py
"""

import lamina as tf


# -- Graph functions: traced once per input signature, then compiled to native code -----------
@tf.function
def add(tensor):
    return tensor + tensor + tensor


# Executes as a compiled function
print(repr(add(tf.ones([2, 2]))))

# polymorphic in the dtypes and shapes of its tensor arguments: a new signature traces again
print(repr(add(tf.ones([2, 2], dtype=tf.uint8))))

# -- Lexical closure, state, and control dependencies ------------------------------------------
a = tf.Variable(1.0)
b = tf.Variable(1.0)


@tf.function
def f(x, y):
    a.assign(y * b)
    b.assign_add(x * a)
    return a + b


print(repr(f(tf.constant(1.0), tf.constant(2.0))))
print(repr(a))
print(repr(b))

# what the tracer built, in the lamina dialect (`.ir("lamina", debug_info=True)` also shows
# each op's Python file:line; other stages: structured, loops, llvm, llvm-ir)
print(f.get_concrete_function(tf.constant(1.0), tf.constant(2.0)).ir("lamina"))
