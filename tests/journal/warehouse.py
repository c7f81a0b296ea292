"""A tiny warehouse written by hand with the columns of the views the journal reads.

The intent tables take their columns from `orchestration.intent.contract`, so the journal's
queries are checked against the contract; the dbt-built views are exercised by the end-to-end
test. Images are real pictures whose thumbnails are written as the embedding job writes them.
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from embeddings.thumbnails import write_thumbnail
from orchestration.defs.resources import DataPaths
from orchestration.intent.contract import INTENTS_SCHEMA, PHASES_SCHEMA
from tests.embeddings.helpers import near_duplicate, picture

T0 = datetime(2024, 5, 14, 20, 0, tzinfo=UTC)
PROMPTS = ["castle on a hill", "robot portrait", "misty forest", "desert city"]
SWEEP_PROMPT = "castle on a hill, golden hour"
NEON = 'neon portrait of a <dancer> & "friend"'


def _generations() -> list[dict[str, Any]]:
    """Session A (evening): 4 explorations then a CFG sweep; session B (next day): 4 refinements;
    session C: a log generation with no image."""
    rows = []
    for i, prompt in enumerate(PROMPTS):
        rows.append(dict(session="A", prompt=prompt, cfg=7.0, image=picture(10 + i), minute=i * 3))
    sweep = picture(20)
    for j, cfg in enumerate((5.0, 7.0, 9.0, 12.0)):
        image = near_duplicate(sweep, j)
        rows.append(dict(session="A", prompt=SWEEP_PROMPT, cfg=cfg, image=image, minute=15 + j))
    base = picture(30)
    for j in range(4):
        image = near_duplicate(base, 40 + j)
        rows.append(dict(session="B", prompt=NEON, cfg=7.0, image=image, minute=24 * 60 + j * 2))
    rows.append(dict(session="C", prompt="a log line", cfg=None, image=None, minute=3 * 24 * 60))
    return rows


def build_warehouse(root: Path) -> DataPaths:
    """Write thumbnails and ``warehouse.duckdb`` under ``root`` and return its paths."""
    paths = DataPaths(data_dir=str(root))
    paths.root.mkdir(parents=True, exist_ok=True)
    generations, members = [], []
    positions: dict[str, int] = {}
    for n, row in enumerate(_generations()):
        session_id = f"ada-{row['session']}"
        positions[session_id] = positions.get(session_id, 0) + 1
        digest = None
        if row["image"] is not None:
            buffer = io.BytesIO()
            row["image"].save(buffer, "PNG")
            digest = hashlib.sha256(buffer.getvalue()).hexdigest()
            write_thumbnail(paths.thumbnails_dir, digest, row["image"], None)
        generations.append(
            {
                "generation_id": f"g{n}",
                "artist": "Ada <Lovelace>",
                "prompt": row["prompt"],
                "seed": n,
                "steps": 20,
                "cfg_scale": row["cfg"],
                "sampler": "euler",
                "scheduler": None,
                "model": "sdxl",
                "width": 512,
                "height": 512,
                "created_at": T0 + timedelta(minutes=row["minute"]),
                "content_hash": digest,
            }
        )
        members.append(
            {"generation_id": f"g{n}", "session_id": session_id, "position": positions[session_id]}
        )
    times = {m["session_id"]: [] for m in members}
    for g, m in zip(generations, members, strict=True):
        times[m["session_id"]].append(g["created_at"])
    sessions = [
        {
            "session_id": s,
            "artist": "Ada <Lovelace>",
            "started_at": min(t),
            "ended_at": max(t),
            "n_generations": len(t),
            "tools": "a1111",
        }
        for s, t in times.items()
    ]
    similarity = [
        {
            "session_id": m["session_id"],
            "position": m["position"],
            "prompt_similarity": 0.3 if m["position"] < 5 else 0.95,
            "prompt_jaccard": 0.2,
            "image_similarity": 0.2 if m["position"] < 5 else 0.9,
            "is_candidate_pivot": False,
        }
        for m in members
        if m["position"] > 1 and m["session_id"] != "ada-C"
    ]
    phases = [
        _phase("ada-A", 1, "exploration", "Explored: castle, robot, forest, desert city", 1, 4),
        _phase(
            "ada-A",
            2,
            "optimization",
            "Optimized: CFG scale 5→12 for castle prompt",
            5,
            8,
            parameter="cfg_scale",
            first_value="5.0",
            last_value="12.0",
        ),
        _phase(
            "ada-B",
            1,
            "refinement",
            "Refined: neon portrait — 4 seed variations",
            1,
            4,
            corrected=True,
            inferred_intent="exploration",
            inferred_label="Explored: neon, dancer",
        ),
    ]
    intents = [
        _intent(
            "ada-A",
            "mixed",
            "Explored 4 concepts, then optimized CFG scale 5→12",
            "explore → optimize",
        ),
        _intent(
            "ada-B",
            "refinement",
            "Refined: neon portrait — 4 seed variations",
            "refine",
            corrected=True,
        ),
    ]
    with duckdb.connect(str(paths.warehouse_path)) as con:
        for name, rows, schema in (
            ("generations", generations, None),
            ("session_members", members, None),
            ("sessions", sessions, None),
            ("similarity_series", similarity, None),
            ("session_phases", phases, PHASES_SCHEMA),
            ("session_intents", intents, INTENTS_SCHEMA),
        ):
            con.register("incoming", pa.Table.from_pylist(rows, schema=schema))
            con.execute(f"create table {name} as select * from incoming")
            con.unregister("incoming")
    return paths


def _phase(
    session_id: str, no: int, intent: str, label: str, first: int, last: int, **extra: Any
) -> dict:
    return {
        "session_id": session_id,
        "artist": "Ada <Lovelace>",
        "phase_no": no,
        "intent": intent,
        "label": label,
        "first_position": first,
        "last_position": last,
        "n_generations": last - first + 1,
        "confidence": 1.0 if extra.get("corrected") else 0.8,
        "signals": ["prompt_similarity"],
        "concepts": [],
        "inferred_intent": extra.pop("inferred_intent", intent),
        "inferred_label": extra.pop("inferred_label", label),
        "corrected": extra.pop("corrected", False),
        **extra,
    }


def _intent(session_id: str, intent: str, label: str, arc: str, corrected: bool = False) -> dict:
    return {
        "session_id": session_id,
        "artist": "Ada <Lovelace>",
        "intent": intent,
        "label": label,
        "arc": arc,
        "confidence": 0.8,
        "corrected": corrected,
        "inferred_intent": "exploration" if corrected else intent,
        "inferred_label": "Explored: neon, dancer" if corrected else label,
        "signals": ["prompt_similarity"],
        "n_phases": 1,
    }
