"""CLI commands that measure and train intent inference: `eval` and `train`."""

from __future__ import annotations

import os
from pathlib import Path

import click

REALDATA_ENV = "CREATIVE_SESSIONS_REALDATA"


def _realdata_option(function):
    from orchestration.cli.training import DEFAULT_REALDATA

    return click.option(
        "--realdata",
        type=click.Path(file_okay=False, path_type=Path),
        default=lambda: Path(os.environ.get(REALDATA_ENV, DEFAULT_REALDATA)),
        show_default=f"../shared/realdata beside the repository (env {REALDATA_ENV})",
        help="Folder holding diffusiondb-first1k/ with its labels/.",
    )(function)


def _work_dir_option(function):
    return click.option(
        "--work-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Scratch data directory for the run (default: <data-dir>/eval; rebuilt each time).",
    )(function)


def _corpus(data_dir: Path, work_dir: Path | None, realdata: Path, seeds: tuple[int, ...]):
    from orchestration.cli.training import build_corpus

    target = (work_dir or data_dir / "eval").resolve()
    click.echo(f"building the evaluation warehouse in {target} …")
    try:
        return build_corpus(target, realdata, synthetic_seeds=seeds, on_progress=click.echo)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("eval")
@_realdata_option
@_work_dir_option
@click.pass_obj
def eval_command(data_dir: Path, realdata: Path, work_dir: Path | None) -> None:
    """Score intent inference on real people's sessions first, then on synthetic ones.

    Real: the hand-labelled DiffusionDB development sessions, each artist labelled by a model
    fitted without them (leave-one-artist-out), beside the token-Jaccard floor. Synthetic: the
    realistic generator with a seed the shipped model never saw. Then how far the synthetic
    prompt edits are from real ones (Kolmogorov–Smirnov).
    """
    from orchestration.cli.training import EVAL_SEED, evaluate, training_seeds
    from orchestration.intent.model import load_model

    model = load_model()
    if model is None:
        raise click.ClickException("no intent model shipped; run `creative-sessions train`")
    corpus = _corpus(data_dir, work_dir, realdata, (*training_seeds(), EVAL_SEED))
    click.echo("")
    click.echo(evaluate(corpus, model).summary())


@click.command("train")
@_realdata_option
@_work_dir_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model (default: the shipped orchestration/intent/intent_model.json).",
)
@click.pass_obj
def train_command(
    data_dir: Path, realdata: Path, work_dir: Path | None, output: Path | None
) -> None:
    """Fit the intent model on the real development labels and the realistic synthetic set.

    Reproduces the shipped model file: the synthetic share and ridge strength are chosen by
    cross-validation over the development artists, then one model is fitted on everything.
    """
    from orchestration.cli.training import train, training_seeds
    from orchestration.intent.model import MODEL_PATH

    corpus = _corpus(data_dir, work_dir, realdata, training_seeds())
    result = train(corpus)
    click.echo(
        f"real phase macro-F1 {result.report.model.macro_f1:.3f}, session accuracy "
        f"{result.report.model.session_accuracy:.3f} (leave-one-artist-out, synthetic share and "
        "ridge chosen inside each fold); shipped: synthetic share "
        f"{result.model.trained_on['synthetic_share']:g}, ridge {result.model.trained_on['l2']:g}"
    )
    target = output or MODEL_PATH
    result.model.save(target)
    click.echo(f"wrote {target} ({result.model.version})")
