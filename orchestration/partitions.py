"""Partitions, declared once: one dynamic partition per registered archive."""

import dagster as dg

archive_partitions = dg.DynamicPartitionsDefinition(name="archives")
