"""Image and text encoders for similarity signals; plain Python, no Dagster.

Import the submodules directly (`embeddings.images`, `embeddings.text`, `embeddings.store`):
this package keeps torch out of import time, so the Dagster definitions load fast.
"""
