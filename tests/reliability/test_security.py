"""Nothing read from an image, log or archive can run code, escape a folder or rewrite SQL.

Static checks parse every module and refuse the calls that would turn data into code (eval,
exec, pickle, marshal, yaml.load without a safe loader, torch.load without weights_only=True,
a shell) and SQL built with f-strings at an execute call. Behavioural checks feed hostile
member names to the archive readers.
"""

import ast
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.archives import iter_entries, sanitise_member_path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("orchestration", "embeddings", "benchmarks")
FORBIDDEN_NAMES = {"eval", "exec", "compile"}
FORBIDDEN_ATTRS = {
    ("pickle", "load"),
    ("pickle", "loads"),
    ("pickle", "Unpickler"),
    ("marshal", "load"),
    ("marshal", "loads"),
    ("shelve", "open"),
    ("dill", "load"),
    ("joblib", "load"),
    ("os", "system"),
    ("os", "popen"),
}


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def calls(path: Path) -> list[tuple[ast.Call, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found.append((node, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def dotted(func: ast.expr) -> tuple[str, str] | None:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id, func.attr
    return None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def test_scan_covers_the_code() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in modules()}
    assert "orchestration/ingest/pipeline.py" in names and "embeddings/images.py" in names


def test_no_call_turns_data_into_code() -> None:
    offences = []
    for path in modules():
        for call, where in calls(path):
            func = call.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_NAMES:
                offences.append(f"{where}: {func.id}()")
            pair = dotted(func)
            if pair in FORBIDDEN_ATTRS:
                offences.append(f"{where}: {'.'.join(pair)}()")
            if pair == ("yaml", "load") and not _safe_loader(keyword(call, "Loader")):
                offences.append(f"{where}: yaml.load without SafeLoader")
            if pair == ("torch", "load"):
                weights_only = keyword(call, "weights_only")
                if not (isinstance(weights_only, ast.Constant) and weights_only.value is True):
                    offences.append(f"{where}: torch.load without weights_only=True")
            shell = keyword(call, "shell")
            if isinstance(shell, ast.Constant) and shell.value is True:
                offences.append(f"{where}: subprocess with shell=True")
    assert offences == []


def _safe_loader(loader: ast.expr | None) -> bool:
    name = loader.attr if isinstance(loader, ast.Attribute) else getattr(loader, "id", "")
    return name in ("SafeLoader", "CSafeLoader")


def test_sql_is_never_an_f_string_at_the_execute_call() -> None:
    """Values (artist names, prompts, ids) go in as parameters (`$artist`, `?`), never as text."""
    offences = []
    for path in modules():
        for call, where in calls(path):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr in ("execute", "sql", "query"):
                first = call.args[0] if call.args else None
                if isinstance(first, ast.JoinedStr) or (
                    isinstance(first, ast.BinOp) and isinstance(first.op, ast.Mod)
                ):
                    offences.append(where)
                if isinstance(first, ast.Call) and getattr(first.func, "attr", "") == "format":
                    offences.append(where)
    assert offences == []


def test_webserver_binds_to_localhost_by_default() -> None:
    makefile = (ROOT / "Makefile").read_text()
    ui = next(line for line in makefile.splitlines() if "dg dev" in line)
    assert "-h 127.0.0.1" in ui
    assert "0.0.0.0" not in makefile


HOSTILE_NAMES = [
    "../../../../etc/cron.d/evil.png",
    "/etc/passwd",
    "..\\..\\windows\\system32\\evil.png",
    "C:/Users/evil.png",
    "C:\\evil.png",
    "a/../../b.png",
    "./././../x.png",
    "....//....//x.png",
]


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, "\x00/../x.png", "", "..", "/"])
def test_member_names_cannot_leave_the_archive(name: str, tmp_path: Path) -> None:
    root = tmp_path / "target"
    safe = sanitise_member_path(name)
    assert (root / safe).resolve().is_relative_to(root.resolve())
    assert not safe.startswith("/") and ".." not in safe.split("/")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("./\\:aC\x00é"), max_size=40) | st.text(max_size=40))
def test_no_member_name_resolves_outside_the_archive(name: str) -> None:
    safe = sanitise_member_path(name)
    root = Path("/archive-root")
    assert ".." not in safe.split("/") and not safe.startswith("/")
    joined = Path(os.path.normpath(root / safe)) if safe else root
    assert joined == root or root in joined.parents


def test_archives_are_read_in_memory_and_members_never_written(tmp_path: Path) -> None:
    zipped, tarred = tmp_path / "a.zip", tmp_path / "a.tar"
    with zipfile.ZipFile(zipped, "w") as zf:
        for name in HOSTILE_NAMES:
            zf.writestr(name, b"x")
    with tarfile.open(tarred, "w") as tf:
        for name in HOSTILE_NAMES:
            info = tarfile.TarInfo(name)
            info.size = 1
            tf.addfile(info, io.BytesIO(b"x"))
        link = tarfile.TarInfo("link.png")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tf.addfile(link)
    before = set(tmp_path.rglob("*"))
    for path, kind in ((zipped, "zip"), (tarred, "tar")):
        for entry in iter_entries(path, kind):
            assert ".." not in entry.path.split("/") and not entry.path.startswith("/")
            if entry.problem is None:
                assert entry.read() == b"x"
            else:
                assert entry.path == "link.png" and "link" in entry.problem
    assert set(tmp_path.rglob("*")) == before
