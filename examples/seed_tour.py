"""Every code snippet of the seed (../shared/seed/tf2-explainer.txt, sections I to VI), in
order, with `import lamina as tf` in place of `import tensorflow as tf`, run as a notebook
runs them: each snippet's source, then the value of its last expression (or what it prints).

    python examples/seed_tour.py               # section V fits 2,048 MNIST images
    python examples/seed_tour.py --full        # section V fits all 60,000, as the seed
    python examples/seed_tour.py --samples N

The snippets are the seed's text (its indentation, lost in the text, restored). Where the
seed's notebook used IPython magics (`%%timeit`, `%%time`), the same measurement is made with
`timeit`/`time`. The TF 1.x snippet is shown, not run: TF 2 has no placeholders or sessions,
which is the seed's point. Section V needs Keras's mnist.npz (in ~/.keras/datasets, or
MNIST_PATH=/path/to/mnist.npz); without it, `mnist.load_data()` raises the error that says where
to put the file, and the tour goes on with scikit-learn's bundled digits resized to 28x28 (if
scikit-learn is installed) so that the models still train on real images.
"""

from __future__ import annotations

import argparse
import ast
import linecache
import os
import sys
import textwrap
import time
import timeit

SNIPPETS = [
    ("Introduction", """
import lamina as tf
tf.__version__
"""),
    ("II. Imperative execution", """
tf.constant([1., 2.]) + tf.constant([3., 4.])
"""),
    ("II. Imperative execution (TF 1.x, shown for contrast: not run)", """
# TF 1.X code
x = tf.placeholder(tf.float32, shape=[2])
y = tf.placeholder(tf.float32, shape=[2])
value = x + y
with tf.Session() as sess:
  print(sess.run(value, feed_dict={x: [1., 2.], y: [3., 4.]}))
"""),
    ("II. Imperative execution", """
if tf.test.is_gpu_available():
  with tf.device('gpu:0'):
    tf.constant([1., 2.]) + tf.constant([3., 4.])
"""),
    ("III. State", """
tf.Variable(tf.random.normal([3, 5]))
"""),
    ("IV. Automatic differentiation", """
x = tf.constant(3.0)
with tf.GradientTape() as t1:
  with tf.GradientTape() as t2:
    t1.watch(x)
    t2.watch(x)
    y = x * x
  dy_dx = t2.gradient(y, x)
d2y_dx2 = t1.gradient(dy_dx, x)
"""),
    ("IV. Automatic differentiation", "dy_dx"),
    ("IV. Automatic differentiation", "d2y_dx2"),
    ("IV. Automatic differentiation", """
x = tf.Variable(3.0)
with tf.GradientTape() as t1:
  with tf.GradientTape() as t2:
    y = x * x
  dy_dx = t2.gradient(y, x)
d2y_dx2 = t1.gradient(dy_dx, x)
"""),
    ("IV. Automatic differentiation (the values of the snippet above)", "dy_dx, d2y_dx2"),
    ("V. Keras", """
mnist = tf.keras.datasets.mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
input_shape=[28, 28, 1]
data_format="channels_last"
max_pool = tf.keras.layers.MaxPooling2D(
  (2, 2), (2, 2), padding='same', data_format=data_format)
model = tf.keras.Sequential([
  tf.keras.layers.Reshape(target_shape=input_shape,
    input_shape=[28, 28]),
  tf.keras.layers.Conv2D(32,5,
    padding='same', data_format=data_format,
    activation=tf.nn.relu),
  max_pool,
  tf.keras.layers.Conv2D(64, 5,
    padding='same', data_format=data_format,
    activation=tf.nn.relu),
  max_pool,
  tf.keras.layers.Flatten(),
  tf.keras.layers.Dense(1024, activation=tf.nn.relu),
  tf.keras.layers.Dropout(0.3),
  tf.keras.layers.Dense(10, activation=tf.nn.softmax)
])
"""),
    ("V. Keras", """
model.compile(optimizer=tf.optimizers.Adam(),
  loss=tf.losses.sparse_categorical_crossentropy,
  metrics=['accuracy'])
"""),
    ("V. Keras", "model.fit(x_train, y_train, epochs=1)"),
    ("V. Keras", """
class ConvNet(tf.keras.Model):
  def __init__(self, input_shape, data_format):
    super(ConvNet, self).__init__()
    self.reshape = tf.keras.layers.Reshape(
      target_shape=input_shape, input_shape=[28, 28])
    self.conv1 = tf.keras.layers.Conv2D(32,5,
      padding='same', data_format=data_format,
      activation=tf.nn.relu)
    self.pool = tf.keras.layers.MaxPooling2D(
      (2, 2), (2, 2), padding='same', data_format=data_format)
    self.conv2 = tf.keras.layers.Conv2D(64, 5,
      padding='same', data_format=data_format,
      activation=tf.nn.relu)
    self.flt = tf.keras.layers.Flatten()
    self.d1 = tf.keras.layers.Dense(1024, activation=tf.nn.relu)
    self.dropout = tf.keras.layers.Dropout(0.3)
    self.d2 = tf.keras.layers.Dense(10, activation=tf.nn.softmax)
  def call(self, x):
    x = self.reshape(x)
    x = self.conv1(x)
    x = self.pool(x)
    x = self.conv2(x)
    x = self.pool(x)
    x = self.flt(x)
    x = self.d1(x)
    x = self.dropout(x)
    return self.d2(x)
"""),
    ("VI. Graph functions", """
@tf.function
def add(tensor):
  return tensor + tensor + tensor
"""),
    ("VI. Graph functions", """
# Executes as a dataflow graph
add(tf.ones([2, 2]))
"""),
    ("VI. Graph functions", "add(tf.ones([2, 2], dtype=tf.uint8))"),
    ("VI. Graph functions", """
a = tf.Variable(1.0)
b = tf.Variable(1.0)
@tf.function
def f(x, y):
  a.assign(y * b)
  b.assign_add(x * a)
  return a + b
f(tf.constant(1.0), tf.constant(2.0))
"""),
    ("VI. Graph functions", "a"),
    ("VI. Graph functions", "b"),
    ("VI. Graph functions", """
def matmul_many(tensor):
  accum = tensor
  for _ in tf.range(100): # will be converted by autograph
    accum = tf.matmul(accum, tensor)
  return accum
"""),
    ("VI. Graph functions", "print(tf.autograph.to_code(matmul_many))"),
    ("VI. Graph functions", "graph_fn = tf.function(matmul_many)"),
    ("VI. Graph functions: %%timeit (the imperative run)", "matmul_many(tf.ones([2, 2]))"),
    ("VI. Graph functions: %%time (the first call traces and compiles)",
     "graph_fn(tf.ones([2, 2]))"),
    ("VI. Graph functions: %%timeit (later calls)", "graph_fn(tf.ones([2, 2]))"),
]


def _source_name(code):
    """A file name for `code` whose lines linecache knows, so that inspect.getsource (and so
    autograph) finds the source of the functions it defines, as in a notebook."""
    name = f"<seed snippet {len(_NAMES)}>"
    _NAMES.append(name)
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    return name


_NAMES = []


def run(code, env):
    """Exec `code` in `env`; print the value of a final expression as a notebook would."""
    name = _source_name(code + "\n")
    tree = ast.parse(code, name)
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr) and not (isinstance(last.value, ast.Call) and
                                           getattr(last.value.func, "id", "") == "print"):
        exec(compile(ast.Module(tree.body[:-1], []), name, "exec"), env)
        value = eval(compile(ast.Expression(last.value), name, "eval"), env)
        if value is not None:
            print(repr(value))
        return value
    exec(compile(tree, name, "exec"), env)
    return None


def timeit_like_ipython(code, env, repeat=3):
    """IPython's %%timeit line: the best of `repeat` runs of as many loops as fill ~0.2 s."""
    timer = timeit.Timer(code, globals=env)
    loops, _ = timer.autorange()
    best = min(timer.repeat(repeat, loops)) / loops
    unit, scale = ("ms", 1e3) if best >= 1e-3 else ("us", 1e6)
    print(f"{loops} loops, best of {repeat}: {best * scale:.3g} {unit} per loop")


def time_like_ipython(code, env):
    start_cpu, start = time.process_time(), time.perf_counter()
    value = run(code, env)
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    print(f"CPU times: total: {cpu * 1e3:.0f} ms\nWall time: {wall * 1e3:.0f} ms")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true",
                        help="fit on all 60,000 MNIST images, as the seed (slow)")
    parser.add_argument("--samples", type=int, default=2048,
                        help="how many training images section V fits (default 2048)")
    args = parser.parse_args(argv)
    env = {"__name__": "__seed__"}
    for section, code in SNIPPETS:
        code = textwrap.dedent(code).strip("\n")
        print(f"\n### {section}\n" + textwrap.indent(code, "    ") + "\n")
        if "not run" in section:
            continue
        if code.startswith("mnist = "):
            run_mnist_snippet(code, env, args)
        elif code == "model.fit(x_train, y_train, epochs=1)":
            run(code, env)
            print("(and the subclassed ConvNet of the next snippet, trained the same way:)")
        elif "%%timeit" in section:
            timeit_like_ipython(code, env)
        elif "%%time" in section:
            time_like_ipython(code, env)
        else:
            run(code, env)
        if code.startswith("class ConvNet"):
            train_convnet(env)


def run_mnist_snippet(code, env, args):
    """The MNIST snippet; without the file (and no network), its error, then the digits."""
    path = os.environ.get("MNIST_PATH")
    if path:
        code = code.replace("mnist.load_data()", f"mnist.load_data(path={path!r})")
    try:
        run(code, env)
    except FileNotFoundError as e:
        print(f"mnist.load_data(): FileNotFoundError: {e}")
        try:
            from mnist_cnn import digits_as_mnist  # examples/mnist_cnn.py
            (x_train, y_train), (x_test, y_test) = digits_as_mnist()
        except ImportError:
            sys.exit("section V needs MNIST or scikit-learn's digits: pip install "
                     "scikit-learn (or lamina[examples])")
        print(f"Using scikit-learn's digits, resized to 28x28: {len(x_train)} training and "
              f"{len(x_test)} test images.")
        env.update(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        run(code.replace("(x_train, y_train), (x_test, y_test) = mnist.load_data()\n", ""),
            env)
    if not args.full:
        n = min(args.samples, len(env["x_train"]))
        env["x_train"], env["y_train"] = env["x_train"][:n], env["y_train"][:n]
        print(f"(fitting on the first {n} training images; --full for all)")


def train_convnet(env):
    code = ("convnet = ConvNet(input_shape, data_format)\n"
            "convnet.compile(optimizer=tf.optimizers.Adam(),\n"
            "  loss=tf.losses.sparse_categorical_crossentropy,\n"
            "  metrics=['accuracy'])\n"
            "convnet.fit(x_train, y_train, epochs=1)\n"
            "model.evaluate(x_test, y_test), convnet.evaluate(x_test, y_test)")
    print(textwrap.indent(code, "    ") + "\n")
    run(code, env)


if __name__ == "__main__":
    main()
