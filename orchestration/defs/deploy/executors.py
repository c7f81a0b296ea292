"""Choose the executor by name, so one `Definitions` serves a laptop and a cluster.

`multiprocess` (the default) runs each step in its own process on the machine that runs the
run; `k8s` runs each step in its own Kubernetes pod (needs `pip install -e '.[k8s]'`), which
lets GPU steps land on GPU nodes while dbt runs on a small CPU node. `in_process` is for
debugging.
"""

from collections.abc import Mapping

import dagster as dg

EXECUTOR_ENV = "CREATIVE_SESSIONS_EXECUTOR"
EXECUTORS = ("multiprocess", "k8s", "in_process")


def select_executor(name: str) -> dg.ExecutorDefinition:
    """The executor called `name`; a clear error for unknown names or a missing dagster-k8s."""
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "in_process":
        return dg.in_process_executor
    if name == "k8s":
        try:
            from dagster_k8s import k8s_job_executor
        except ImportError as exc:
            raise RuntimeError(
                f"{EXECUTOR_ENV}=k8s needs dagster-k8s: pip install -e '.[k8s]'"
            ) from exc
        return k8s_job_executor
    raise ValueError(f"{EXECUTOR_ENV}={name!r}: expected one of {', '.join(EXECUTORS)}")


def executor_from_env(environ: Mapping[str, str]) -> dg.ExecutorDefinition:
    """The executor `$CREATIVE_SESSIONS_EXECUTOR` names (default: multiprocess)."""
    return select_executor(environ.get(EXECUTOR_ENV, "multiprocess"))
