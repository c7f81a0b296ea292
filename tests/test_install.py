"""`make install` hands pip's configuration to uv (.ci/uv_args.py)."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "uv_args.py"


def _uv_args():
    spec = importlib.util.spec_from_file_location("uv_args", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.uv_args


def test_pip_sources_and_caps_become_uv_arguments_once_each() -> None:
    listed = "\n".join(
        [
            ":env:.cert='/etc/ssl/certs/ca.crt'",
            ":env:.find-links='/opt/wheels'",
            "global.constraint='/etc/pip/constraints.txt'",
            "global.extra-index-url='file:///a/simple file:///b/simple'",
            "global.find-links='/opt/wheels'",
            "global.index-url='https://mirror.example/simple'",
        ]
    )
    assert _uv_args()(listed) == [
        "--find-links",
        "/opt/wheels",
        "--constraint",
        "/etc/pip/constraints.txt",
        "--extra-index-url",
        "file:///a/simple",
        "--extra-index-url",
        "file:///b/simple",
        "--index-url",
        "https://mirror.example/simple",
    ]


def test_no_pip_config_gives_no_arguments() -> None:
    assert _uv_args()("") == []


def test_the_installed_packages_carry_their_bytecode() -> None:
    """Where PYTHONDONTWRITEBYTECODE is set (CI), an uncompiled venv compiles on every start."""
    import dagster
    import dbt.version

    for module in (dagster, dbt.version):
        assert Path(importlib.util.cache_from_source(module.__file__)).is_file(), module.__name__
