"""`creative-sessions backfill`: a historical import, previewed, then run in bounded runs."""

from pathlib import Path

import click


@click.command()
@click.option(
    "--preview", is_flag=True, help="Show partitions, runs and estimated time; run nothing."
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Every registered archive, not only new or changed ones.",
)
@click.option(
    "--max-archives",
    type=click.IntRange(min=1),
    help="Take at most this many archives now; the next call continues.",
)
@click.option(
    "--submit",
    metavar="URL",
    help="Hand the ingest to a running Dagster (e.g. http://127.0.0.1:3000) as a Dagster "
    "backfill; its daemon runs it under the backfill policies and pools.",
)
@click.pass_obj
def backfill(
    data_dir: Path, preview: bool, everything: bool, max_archives: int | None, submit: str | None
) -> None:
    """Ingest registered archives, embed their images and build the warehouse, with progress."""
    from orchestration.cli.historical_imports import archives_to_ingest, plan_backfill, run_backfill
    from orchestration.cli.progress import CounterEcho
    from orchestration.definitions import build_definitions
    from orchestration.defs.assets.lake import GENERATIONS_KEY, QUARANTINE_KEY
    from orchestration.defs.automation import ensure_pool_limits
    from orchestration.defs.launcher import local_instance
    from orchestration.defs.runner import run_stale

    defs = build_definitions(str(data_dir))
    instance = local_instance(data_dir)
    paths, images = defs.resources["paths"], defs.resources["image_encoder"]
    pending = archives_to_ingest(instance, paths, everything=everything)
    archives, left = pending[:max_archives], pending[len(pending[:max_archives]) :]
    plan = plan_backfill(
        instance, paths, images.choose().model_id, images.images_per_shard, archives
    )
    click.echo(plan.describe())
    if preview:
        return
    if submit:
        from orchestration.defs.deploy.graphql import GraphQLError, add_partitions, launch_backfill
        from orchestration.defs.partitions import archive_partitions

        keys = [a.key for a in archives]
        if not keys:
            click.echo("nothing to submit: every registered archive is current")
            return
        try:
            add_partitions(submit, archive_partitions.name, keys)
            backfill_id = launch_backfill(
                submit,
                [GENERATIONS_KEY.path, QUARANTINE_KEY.path],
                keys,
                title=f"creative-sessions backfill of {len(keys)} archives",
            )
        except (GraphQLError, OSError) as exc:
            raise click.ClickException(f"could not submit to {submit}: {exc}") from exc
        click.echo(f"submitted backfill {backfill_id}: {submit.rstrip('/')}/runs/b/{backfill_id}")
        return
    limits = ensure_pool_limits(instance)
    if limits:
        click.echo("pools: " + ", ".join(f"{pool}={n}" for pool, n in limits.items()))
    run_backfill(instance, defs, archives)
    if left:  # the warehouse is built once, after the import's last batch
        click.echo(f"{len(left)} archives left: run `creative-sessions backfill` again")
        return
    run_stale(instance, defs, on_progress=CounterEcho(click.echo))
