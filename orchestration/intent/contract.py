"""The intent asset's input and output tables: what every part of intent inference agrees on.

Input is the dbt mart ``intent_signals`` (one row per generation, in session order). Output is
three Parquet tables under ``<lake>/intents/`` that dbt exposes as views: ``session_phases``,
``session_intents`` and ``member_phases`` (joined into ``session_members`` as ``phase_no``).

The Dagster multi-asset ``session_labels`` (group ``intents``) writes them under the keys
``intents/session_phases``, ``intents/session_intents`` and ``intents/member_phases``.
"""

from __future__ import annotations

import pyarrow as pa

# The intent names live in `vocabulary` (no pyarrow); the contract names them as well.
from orchestration.intent.vocabulary import PHASE_INTENTS as PHASE_INTENTS
from orchestration.intent.vocabulary import SESSION_INTENTS as SESSION_INTENTS

# Bump when inference changes in a way that must relabel every session (part of the fingerprint).
FEATURE_VERSION = "intent-v2"

SIGNAL_COLUMNS: tuple[str, ...] = (
    "session_id",
    "session_fingerprint",
    "artist",
    "tool",
    "generation_id",
    "position",
    "created_at",
    "prompt",
    "negative_prompt",
    "prompt_hash",
    "seed",
    "steps",
    "cfg_scale",
    "sampler",
    "scheduler",
    "model",
    "width",
    "height",
    "content_hash",
    "job_id",
    "source_archive",
    "source_path",
    "seconds_since_previous",
    "is_prompt_kept",
    "prompt_similarity",
    "prompt_jaccard",
    "image_similarity",
    "prompt_model_id",
    "image_model_id",
    "is_seed_kept",
    "cfg_scale_change",
    "steps_change",
    "pixel_count_change",
    "is_size_changed",
    "is_sampler_changed",
    "is_scheduler_changed",
    "is_model_changed",
    "has_image_embedding",
    "keeper_reasons",
)

_TS = pa.timestamp("us", tz="UTC")

PHASES_SCHEMA = pa.schema(
    [
        ("session_id", pa.string()),
        ("artist", pa.string()),
        ("phase_no", pa.int32()),  # 1-based, in session order
        ("intent", pa.string()),  # after corrections
        ("label", pa.string()),  # after corrections
        ("started_at", _TS),
        ("ended_at", _TS),
        ("first_position", pa.int32()),
        ("last_position", pa.int32()),
        ("n_generations", pa.int32()),
        ("confidence", pa.float64()),  # 0..1; 1.0 where corrected
        ("signals", pa.list_(pa.string())),  # the signals the label rests on
        ("concepts", pa.list_(pa.string())),  # key phrases named from the phase's prompts
        ("parameter", pa.string()),  # optimization: the swept parameter (cfg_scale, steps, ...)
        ("first_value", pa.string()),  # optimization: the parameter's first and last values
        ("last_value", pa.string()),
        ("n_candidates", pa.int32()),  # keepers among the phase's renders (0 when none)
        ("inferred_intent", pa.string()),
        ("inferred_label", pa.string()),
        ("corrected", pa.bool_()),
    ]
)

INTENTS_SCHEMA = pa.schema(
    [
        ("session_id", pa.string()),
        ("artist", pa.string()),
        ("intent", pa.string()),  # after corrections
        ("label", pa.string()),  # after corrections
        ("arc", pa.string()),  # e.g. "explore → refine → pivot → explore"
        ("confidence", pa.float64()),
        ("corrected", pa.bool_()),
        ("inferred_intent", pa.string()),
        ("inferred_label", pa.string()),
        ("signals", pa.list_(pa.string())),
        ("n_phases", pa.int32()),
        ("started_at", _TS),
        ("ended_at", _TS),
        ("n_generations", pa.int32()),
        ("fingerprint", pa.string()),  # inputs the labels were computed from
        ("labelled_at", _TS),
    ]
)

MEMBER_PHASES_SCHEMA = pa.schema(
    [
        ("generation_id", pa.string()),
        ("session_id", pa.string()),
        ("phase_no", pa.int32()),
    ]
)

INTENT_TABLES: dict[str, pa.Schema] = {
    "session_phases": PHASES_SCHEMA,
    "session_intents": INTENTS_SCHEMA,
    "member_phases": MEMBER_PHASES_SCHEMA,
}
