"""The seed's sections II (imperative execution) and III (state), run with lamina in place of
TensorFlow: each expression the seed shows is printed as a notebook would show it.

    python examples/eager_tour.py
"""

import lamina as tf

print(repr(tf.__version__))

# -- II. Imperative execution: ops run at once, on tensors backed by arrays --------------------
print(repr(tf.constant([1., 2.]) + tf.constant([3., 4.])))

# TF 1.x needed placeholders, a Session and feed dicts for the same sum; here the device can
# also be chosen explicitly (on a machine without a GPU, nothing runs in this block)
if tf.test.is_gpu_available():
    with tf.device('gpu:0'):
        print(repr(tf.constant([1., 2.]) + tf.constant([3., 4.])))

# -- III. State: Variables are made and initialized directly, no global collections ------------
print(repr(tf.Variable(tf.random.normal([3, 5]))))
