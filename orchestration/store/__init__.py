"""The data directory's own files: paths, the archive registry, locks, fingerprints, atomic writes.

Plain Python: no Dagster, no CLI.
"""
