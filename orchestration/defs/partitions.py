"""Partitions, declared once: one dynamic partition per registered archive, and image shards."""

import dagster as dg

archive_partitions = dg.DynamicPartitionsDefinition(name="archives")

image_shard_partitions = dg.DynamicPartitionsDefinition(name="image_shards")
"""Keys ``<archive_key>/s0000``…: an archive's images cut into shards of a configured size.

A second dynamic definition rather than archive × shard multi-partitions: only shards that exist
are keys, so a backfill of "all" never launches empty runs. Keys are registered once ingest knows
how many images an archive has (the runner and ``image_shard_sensor``).
"""

IMAGE_SHARDS_PER_RUN = 8
"""A backfill run takes up to this many shards, so the model loads once per run, not per shard."""
