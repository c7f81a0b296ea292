"""pip's own configuration (indexes, find-links, constraints) as `uv pip install` arguments.

`make install` installs with uv, which unpacks the 6.7 GB of wheels about twice as fast as pip
(93 s against 214 s wall here), but uv does not read pip's config files or PIP_* variables. This
passes them on, so uv resolves from exactly the sources and caps pip would use.
"""

from __future__ import annotations

import shlex
import subprocess
import sys

OPTIONS = {
    "index-url": "--index-url",
    "extra-index-url": "--extra-index-url",
    "find-links": "--find-links",
    "constraint": "--constraint",
}


def uv_args(pip_config: str) -> list[str]:
    """Arguments for each setting of `pip config list` output, each value once."""
    args: list[str] = []
    seen: set[tuple[str, str]] = set()
    for line in pip_config.splitlines():
        key, _, value = line.partition("=")
        option = OPTIONS.get(key.rsplit(".", 1)[-1].strip())
        if option is None:
            continue
        for item in value.strip().strip("'\"").split():
            if (option, item) not in seen:
                seen.add((option, item))
                args += [option, item]
    return args


if __name__ == "__main__":
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=True
    ).stdout
    sys.stdout.write(shlex.join(uv_args(listed)) + "\n")
