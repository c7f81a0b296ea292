"""The cluster configuration in the repo parses and names what the README says it does."""

from pathlib import Path

import dagster as dg
import pytest
import yaml

from orchestration.defs.deploy.executors import EXECUTOR_ENV, executor_from_env, select_executor

DEPLOY = Path(__file__).resolve().parents[2] / "orchestration" / "defs" / "deploy"


def test_instance_config_uses_postgres_k8s_and_pools() -> None:
    config = yaml.safe_load((DEPLOY / "dagster.k8s.yaml").read_text())
    assert "postgres_db" in config["storage"]["postgres"]
    assert config["run_launcher"]["class"] == "K8sRunLauncher"
    assert config["concurrency"]["pools"]["default_limit"] == 1
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", "orchestration.definitions"]
    env = {e["name"]: e["value"] for e in deployment["env"]}
    assert env[EXECUTOR_ENV] == "k8s"


def test_executor_is_chosen_by_name() -> None:
    assert executor_from_env({}) is dg.multiprocess_executor
    assert select_executor("in_process") is dg.in_process_executor
    with pytest.raises(ValueError, match="expected one of"):
        select_executor("spark")
    try:
        import dagster_k8s
    except ImportError:
        with pytest.raises(RuntimeError, match=r"pip install -e '\.\[k8s\]'"):
            select_executor("k8s")
    else:
        assert select_executor("k8s") is dagster_k8s.k8s_job_executor
