"""Train and evaluate intent inference on real labels, through the whole pipeline.

Both commands build one scratch data directory holding the real DiffusionDB slice and a
realistic synthetic log, run the pipeline on it (so features come from the same warehouse
signals and MiniLM similarities the intent asset reads), then fit or score. The real labels are
the measure; the synthetic set comes second, drawn with a seed the model was not trained on.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from orchestration.intent import real_eval, training
from orchestration.intent.evaluation import EvalReport, score
from orchestration.intent.model import IntentModel
from orchestration.intent.prompt_parts import StyleLexicon
from orchestration.sample.honesty import pair_distance
from orchestration.sample.realistic import build_realistic_archive
from orchestration.sample.truth import truth_by_generation
from orchestration.store.warehouse_queries import fetch_frame, read_only

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REALDATA = REPO_ROOT.parent / "shared" / "realdata"
REAL_LOG = Path("diffusiondb-first1k") / "diffusiondb_sample.csv"
REAL_LABELS = Path("diffusiondb-first1k") / "labels"
TRAIN_SEED = 23  # the synthetic set the model learns from
EVAL_SEED = 31  # a synthetic set it never saw


def training_seeds() -> tuple[int, ...]:
    """Synthetic logs the training recipe reads: none while it tries no synthetic share.

    The pipeline build of a synthetic log is most of `train`'s and `eval`'s time (MiniLM over
    its prompts), so a log no share would weigh is not built.
    """
    return (TRAIN_SEED,) if max(training.SHARES) > 0 else ()


SYNTHETIC_ARTISTS, SYNTHETIC_SESSIONS = 40, 4


@dataclass
class Corpus:
    """Warehouse signals of the real slice and a synthetic log, with their truth.

    ``cross_validated`` keeps each leave-one-artist-out report by the recipe that produced it
    (style lexicon, real units, the shares and ridge strengths tried): `evaluate` of the model
    `train` just fitted reuses train's report instead of refitting every fold.
    """

    real_signals: pl.DataFrame
    real_truth: pl.DataFrame
    synthetic: dict[int, tuple[pl.DataFrame, pl.DataFrame]]  # seed → (signals, truth)
    cross_validated: dict[tuple, real_eval.RealReport] = field(default_factory=dict)


def build_corpus(
    work_dir: Path,
    realdata: Path,
    *,
    synthetic_seeds: tuple[int, ...],
    n_artists: int = SYNTHETIC_ARTISTS,
    sessions_per_artist: int = SYNTHETIC_SESSIONS,
    on_progress: Callable[[str], None] = lambda _m: None,
) -> Corpus:
    """Ingest the real log and fresh synthetic logs into ``work_dir`` (rebuilt) and run."""
    from orchestration.definitions import build_definitions
    from orchestration.defs.launcher import local_instance
    from orchestration.defs.runner import run_stale

    real_log, labels = realdata / REAL_LOG, realdata / REAL_LABELS
    if not real_log.exists() or not labels.exists():
        raise FileNotFoundError(
            f"no DiffusionDB slice with labels under {realdata}; pass --realdata DIR"
        )
    if work_dir.exists():
        shutil.rmtree(work_dir)
    manifests = {}
    for seed in synthetic_seeds:
        on_progress(f"drawing a realistic synthetic log (seed {seed}) …")
        manifests[seed] = build_realistic_archive(
            work_dir / f"synthetic-{seed}",
            seed=seed,
            n_artists=n_artists,
            sessions_per_artist=sessions_per_artist,
        )
    defs = build_definitions(str(work_dir))
    paths = defs.resources["paths"]
    paths.registry.register(real_log, "diffusiondb")
    for manifest in manifests.values():
        for entry in manifest.archives:
            paths.registry.register(entry.path, entry.artist)
    run_stale(local_instance(work_dir), defs, on_progress=on_progress)
    with read_only(paths.warehouse_path) as con:
        signals = fetch_frame(con, "training_signals")
    synthetic: dict[int, tuple[pl.DataFrame, pl.DataFrame]] = {}
    taken: set[str] = set()
    for seed, manifest in manifests.items():
        truth = truth_by_generation(manifest.ground_truth_path, signals)
        sessions = set(truth["session_id"].unique().to_list())
        taken |= sessions
        synthetic[seed] = (signals.filter(pl.col("session_id").is_in(list(sessions))), truth)
    real = signals.filter(~pl.col("session_id").is_in(list(taken)))
    return Corpus(real, real_eval.load_truth(labels), synthetic)


def development_signals(signals: pl.DataFrame) -> pl.DataFrame:
    """Rows of development users only: what the style lexicon may learn from."""
    first = pl.col("artist").str.slice(0, 1)
    return signals.filter(first.is_in(list(real_eval.DEV_PREFIXES)))


@dataclass
class TrainingResult:
    """The fitted model and the cross-validated score of the recipe that fitted it."""

    model: IntentModel
    report: real_eval.RealReport


def train(corpus: Corpus) -> TrainingResult:
    """Score the recipe by leave-one-artist-out CV on real labels, then fit it on all of them.

    The recipe chooses its synthetic share and ridge strength by cross-validation inside the
    artists it is given, so neither choice ever sees the artist a fold holds out.
    """
    lexicon_chunks = training.learn_style_lexicon(development_signals(corpus.real_signals))
    lexicon = StyleLexicon(lexicon_chunks)
    real = real_eval.sessions_with_truth(
        corpus.real_signals, real_eval.attach(corpus.real_signals, corpus.real_truth), lexicon
    )
    synthetic = _training_synthetic(corpus, lexicon)
    real_units = sum(len(s.intents) for s in real)
    report = cross_validated(corpus, lexicon_chunks, real_units, synthetic)
    model = training.fit_nested(
        real,
        _by_share(synthetic, real_units),
        style_lexicon=lexicon_chunks,
        trained_on={
            "real": "diffusiondb-first1k development labels",
            "real_units": real_units,
            "real_sessions": len(real),
            "synthetic_seed": TRAIN_SEED if synthetic else None,
            "synthetic_units": sum(len(s.intents) for s in synthetic),
            "synthetic_shares_tried": list(training.SHARES),
            "cv": [round(report.model.macro_f1, 3), round(report.model.session_accuracy, 3)],
        },
    )
    model.temperature = report.temperature
    return TrainingResult(model, report)


def _training_synthetic(corpus: Corpus, lexicon: StyleLexicon) -> list[real_eval.LabelledSession]:
    """The training seed's labelled sessions; none where the corpus did not build that log."""
    if TRAIN_SEED not in corpus.synthetic:
        return []
    return training.synthetic_sessions(*corpus.synthetic[TRAIN_SEED], lexicon)


def _by_share(
    synthetic: list[real_eval.LabelledSession], real_units: int
) -> dict[float, training.Synthetic | None]:
    return {k: training.synthetic_arrays(synthetic, real_units, k) for k in training.SHARES}


@dataclass
class Evaluation:
    """Real first (cross-validated, with the floor), then synthetic, then how alike they are."""

    real: real_eval.RealReport
    synthetic: EvalReport
    distance: dict[str, float]
    model_version: str

    def summary(self) -> str:
        """Printable report."""
        ks = ", ".join(f"{k} {v:.3f}" for k, v in self.distance.items())
        return "\n".join(
            [
                self.real.summary(),
                "",
                f"synthetic sessions (realistic generator, seed {EVAL_SEED}, never trained on), "
                f"shipped model {self.model_version}:",
                self.synthetic.summary(),
                "",
                f"real vs synthetic consecutive-prompt distributions, Kolmogorov–Smirnov: {ks}",
            ]
        )


def cross_validated(
    corpus: Corpus,
    style_lexicon: list[str],
    real_units: int,
    synthetic: list[real_eval.LabelledSession] | None = None,
) -> real_eval.RealReport:
    """Leave-one-artist-out report of the training recipe, computed once per corpus.

    ``synthetic``: the training seed's labelled sessions when the caller has them already.
    """
    key = (tuple(sorted(style_lexicon)), real_units, training.SHARES, training.L2_GRID)
    if key not in corpus.cross_validated:
        lexicon = StyleLexicon(style_lexicon)
        if synthetic is None:
            synthetic = _training_synthetic(corpus, lexicon)
        by_share = _by_share(synthetic, real_units)

        def fold(train_sessions):
            return training.fit_nested(train_sessions, by_share, style_lexicon=style_lexicon)

        corpus.cross_validated[key] = real_eval.evaluate_real(
            corpus.real_signals, corpus.real_truth, fold, lexicon
        )
    return corpus.cross_validated[key]


def evaluate(corpus: Corpus, model: IntentModel) -> Evaluation:
    """Cross-validate the model's recipe on real labels; score the model itself on synthetic."""
    lexicon = model.lexicon
    real_units = int(model.trained_on.get("real_units", 0))
    real = cross_validated(corpus, model.style_lexicon, real_units)
    signals, truth = corpus.synthetic[EVAL_SEED]
    held_out = training.synthetic_sessions(signals, truth, lexicon)
    predicted = real_eval.predictions(held_out, model)
    expected = truth.select("generation_id", "session_id", "phase_intent", "session_intent")
    return Evaluation(
        real=real,
        synthetic=score(predicted, expected),
        distance=pair_distance(corpus.real_signals, signals),
        model_version=model.version,
    )
