"""Keras's engine: layers, models, the training loop."""
