"""The intents a session or phase can have: plain names, importable without pyarrow or polars.

`contract` re-exports them beside the table schemas; the CLI's `correct` offers them as choices.
"""

from __future__ import annotations

from typing import Literal

PhaseIntent = Literal["exploration", "refinement", "optimization"]
SessionIntent = Literal[
    "exploration", "refinement", "optimization", "convergent_selection", "mixed"
]

PHASE_INTENTS: tuple[str, ...] = ("exploration", "refinement", "optimization")
SESSION_INTENTS: tuple[str, ...] = (*PHASE_INTENTS, "convergent_selection", "mixed")
