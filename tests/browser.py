"""Headless Chromium for tests that look at a page as a person would.

Debian's `chromium` is installed on first use when missing and the test runs as root with apt;
otherwise the test is skipped with the reason. Flags follow what works on this closed network:
no background networking, no sandbox (root), a fresh profile per call.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

_INSTALL_TIMEOUT_S = 900
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium_or_skip() -> str:
    """Path of a Chromium binary, installing Debian's package when possible, else skip."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and cannot be installed here (needs root and apt)")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"],
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"],
    ):
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            pytest.skip(f"installing chromium timed out: {' '.join(command)}")
        if done.returncode == 0 and shutil.which("chromium"):
            return shutil.which("chromium")  # type: ignore[return-value]
    pytest.skip(f"chromium could not be installed: {done.stderr.strip()[-300:]}")


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [chromium_or_skip(), *_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def dump_dom(
    url: str,
    *,
    budget_ms: int = 5000,
    timeout: float = 120,
    size: tuple[int, int] | None = None,
) -> str:
    """The page's DOM after its scripts ran for up to `budget_ms` of virtual time.

    Pass `size` when the page lays itself out by window size (a zoomable graph) and the DOM should
    match a `screenshot` of the same size.
    """
    window = [f"--window-size={size[0]},{size[1]}"] if size else []
    done = _run([*window, f"--virtual-time-budget={budget_ms}", "--dump-dom", url], timeout)
    if done.returncode != 0:
        raise RuntimeError(f"chromium --dump-dom failed: {done.stderr[-500:]}")
    return done.stdout


def screenshot(
    url: str, out: Path, *, size: tuple[int, int] = (1400, 900), budget_ms: int = 8000
) -> Path:
    """A PNG of the page as rendered after `budget_ms` of virtual time."""
    done = _run(
        [
            f"--window-size={size[0]},{size[1]}",
            f"--virtual-time-budget={budget_ms}",
            f"--screenshot={out}",
            url,
        ],
        timeout=180,
    )
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"chromium --screenshot failed: {done.stderr[-500:]}")
    return out
