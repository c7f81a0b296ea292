"""The project's own sample archive: synthetic artists, their files, and the ground truth.

Names load on first use (PEP 562), so importing one metadata writer from
``orchestration.sample.writers`` does not pull in the archive builder and all the other writers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestration.sample.archive import (
        SampleArchiveEntry,
        SampleManifest,
        build_sample_archive,
    )
    from orchestration.sample.evalset import build_eval_archive
    from orchestration.sample.habits import generate_style_study_artist
    from orchestration.sample.honesty import log_signals, pair_distance
    from orchestration.sample.plans import (
        LOG_PROFILES,
        PHASE_INTENTS,
        SAMPLE_PROFILES,
        SESSION_INTENTS,
        ArtistProfile,
        PhaseSpec,
        SessionPlan,
        random_profile,
    )
    from orchestration.sample.realistic import build_realistic_archive
    from orchestration.sample.scenarios import (
        ArtistScenario,
        SampleGeneration,
        SamplePhase,
        SampleSession,
        generate_artist,
        generate_artists,
        generate_log_users,
    )
    from orchestration.sample.signals import signals_and_truth
    from orchestration.sample.truth import truth_by_generation

_HOMES = {
    "archive": ("SampleArchiveEntry", "SampleManifest", "build_sample_archive"),
    "evalset": ("build_eval_archive",),
    "habits": ("generate_style_study_artist",),
    "honesty": ("log_signals", "pair_distance"),
    "realistic": ("build_realistic_archive",),
    "signals": ("signals_and_truth",),
    "truth": ("truth_by_generation",),
    "plans": (
        "LOG_PROFILES",
        "PHASE_INTENTS",
        "SAMPLE_PROFILES",
        "SESSION_INTENTS",
        "ArtistProfile",
        "PhaseSpec",
        "SessionPlan",
        "random_profile",
    ),
    "scenarios": (
        "ArtistScenario",
        "SampleGeneration",
        "SamplePhase",
        "SampleSession",
        "generate_artist",
        "generate_artists",
        "generate_log_users",
    ),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "LOG_PROFILES",
    "PHASE_INTENTS",
    "SAMPLE_PROFILES",
    "SESSION_INTENTS",
    "ArtistProfile",
    "ArtistScenario",
    "PhaseSpec",
    "SampleArchiveEntry",
    "SampleGeneration",
    "SampleManifest",
    "SamplePhase",
    "SampleSession",
    "SessionPlan",
    "build_eval_archive",
    "build_realistic_archive",
    "build_sample_archive",
    "generate_artist",
    "generate_artists",
    "generate_log_users",
    "generate_style_study_artist",
    "log_signals",
    "pair_distance",
    "random_profile",
    "signals_and_truth",
    "truth_by_generation",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
