"""What a finished `run` read, so a `run` with nothing new stops after a walk of file stats.

A nightly `run` where nothing changed used to pay for Dagster, dagster-dbt and the definitions
(≈ 4–5 CPU-s), a warehouse health check and a labelling plan over every session before finding
nothing to do. Its inputs are all files: the registered sources, the data directory's lake,
corrections, warehouse and labels, the code and dbt project, the interpreter's packages and the
`CREATIVE_SESSIONS_*` settings. A successful, complete `run` records a fingerprint of their
names, sizes and modification times (and the summary it printed); the next `run` with the same
fingerprint has nothing to do. Any other writer (an ingest, a correction, a dbt build, the
daemon, a killed build, an edited model) moves a size or a time and the next `run` does the
work. Imports nothing heavy: the check runs before Dagster is loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import site
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import orchestration
from orchestration.store.data_dir import DataDir
from orchestration.store.files import atomic_write
from orchestration.store.fingerprint import archive_fingerprint, folder_files
from orchestration.store.registry import ArchiveRegistry

STATE_FILE = "last_run.json"
"""Beside the warehouse in the data directory; removed when a run starts, written when it ends."""

# Written by every run (Dagster's event log, locks, dbt's target and log) or derived outputs
# rebuilt from the inputs (thumbnails; the journal, whose index alone counts, below).
NOT_INPUTS = frozenset({"dagster", "locks", "logs", "dbt", "thumbnails", "journal", STATE_FILE})
CODE_ROOT = Path(orchestration.__file__).resolve().parent
DBT_PROJECT = CODE_ROOT.parent / "dbt_project"
DBT_INPUTS = ("models", "macros", "tests", "dbt_project.yml", "profiles.yml")
SETTINGS_PREFIX = "CREATIVE_SESSIONS_"


@dataclass(frozen=True)
class LastRun:
    """A complete run's input fingerprint, when it finished, and the summary it printed."""

    fingerprint: str
    finished_at: str
    command: str
    summary: str


def state_path(data_dir: Path) -> Path:
    """Where the last complete run is recorded."""
    return DataDir.at(data_dir).root / STATE_FILE


def inputs_fingerprint(data_dir: Path) -> str:
    """sha256 over the name, size and mtime of every file a `run` reads, and its settings."""
    layout = DataDir.at(data_dir)
    digest = hashlib.sha256()

    def add_tree(label: str, root: Path, names: tuple[str, ...] | None = None) -> None:
        if not root.exists():
            digest.update(f"{label}: missing\n".encode())
            return
        entries = sorted(root.iterdir()) if names is None else [root / n for n in names]
        for entry in entries:
            if (root == layout.root and entry.name in NOT_INPUTS) or entry.name == "__pycache__":
                continue
            files = [entry] if entry.is_file() else folder_files(entry) if entry.exists() else []
            for path in files:
                if path.suffix == ".pyc":
                    continue
                st = path.lstat()
                rel = path.relative_to(root).as_posix()
                digest.update(f"{label}/{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())

    add_tree("data", layout.root)
    add_tree("journal", layout.journal_dir, ("index.html",))
    add_tree("code", CODE_ROOT)
    add_tree("dbt", DBT_PROJECT, DBT_INPUTS)
    for archive in ArchiveRegistry(layout.registry_path).all():
        source = Path(archive.path)
        seen = archive_fingerprint(source) if source.exists() else "missing"
        digest.update(f"source {archive.key}\0{seen}\n".encode())
    packages = [Path(p) for p in site.getsitepackages() if Path(p).exists()]
    digest.update(f"python {sys.version}\n".encode())
    for folder in packages:  # a package installed, removed or upgraded touches its folder
        digest.update(f"packages {folder}\0{folder.stat().st_mtime_ns}\n".encode())
    for name in sorted(n for n in os.environ if n.startswith(SETTINGS_PREFIX)):
        digest.update(f"env {name}={os.environ[name]}\n".encode())
    return digest.hexdigest()


def unchanged_since_last_run(data_dir: Path, command: str) -> LastRun | None:
    """The last complete run, when no input has moved since it ended; else None.

    ``command`` is how the CLI was started: the summary names it, so another spelling redoes it.
    """
    try:
        recorded = LastRun(**json.loads(state_path(data_dir).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if recorded.command != command or recorded.fingerprint != inputs_fingerprint(data_dir):
        return None
    return recorded


def forget_last_run(data_dir: Path) -> None:
    """A run is starting: until it ends complete, the next one must not skip."""
    state_path(data_dir).unlink(missing_ok=True)


def record_last_run(data_dir: Path, finished_at: str, command: str, summary: str) -> LastRun:
    """Remember a complete run's inputs (taken now, after its last write) and its summary."""
    last = LastRun(inputs_fingerprint(data_dir), finished_at, command, summary)
    atomic_write(state_path(data_dir), json.dumps(asdict(last)))
    return last


SKIPPED_ASSETS = (("sessions",), ("intents", "session_intents"))
"""Where the UI shows a skipped run: the warehouse's sessions and the intent labels."""


def note_skip(data_dir: Path, last: LastRun) -> str:
    """Record in Dagster that a run skipped ingest, dbt and labelling, and say why (one line).

    An observation, not a materialization: the assets' data did not change, and automation
    conditions follow materializations, so nothing downstream is launched by it.
    """
    import dagster as dg  # only here: the check above runs without it

    why = f"no input changed since the run that finished at {last.finished_at}"
    os.environ["DAGSTER_HOME"] = str(DataDir.at(data_dir).ensure_dagster_home())
    instance = dg.DagsterInstance.get()
    for key in SKIPPED_ASSETS:
        instance.report_runless_asset_event(
            dg.AssetObservation(
                asset_key=dg.AssetKey(list(key)),
                description="creative-sessions run: up to date, nothing rebuilt",
                metadata={
                    "skipped": "ingest, embeddings, dbt build, intent labelling, journal",
                    "reason": why,
                    "inputs_fingerprint": last.fingerprint[:16],
                },
            )
        )
    return f"run: up to date, {why} (sources, lake, warehouse, labels, code, settings): skipped"
