"""Midjourney web downloads: the command and job id in ``Description`` / EXIF ImageDescription.

``Description`` reads ``<prompt> --ar 16:9 --v 6.1 --stylize 250 Job ID: <uuid>``: the prompt is
the text before the first ``--flag``; flags go to ``extra`` under their long names, ``--seed``
to ``seed``, ``--no`` (Midjourney's negative prompt) to ``negative_prompt``, and the model
version (``--v 6.1`` → "6.1", ``--niji 6`` → "niji 6") also to ``model``. ``Creation Time`` is
the generation time (ISO 8601, RFC 1123 or EXIF form are all accepted). The job id also comes
from the XMP ``DigImageGUID`` when the description lacks it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from orchestration.ingest.formats.exif import parse_exif_datetime
from orchestration.ingest.records import GenerationMeta, ImageContainer
from orchestration.ingest.tools import _coerce as co

TOOL = "midjourney"
_JOB_ID = re.compile(r"\s*Job ID:\s*([0-9A-Za-z-]{8,64})\s*$")
_GUID = re.compile(r"DigImageGUID(?:=\"|>)\s*([0-9A-Za-z-]{8,64})")
_FLAG = re.compile(r"(?:^|\s)--([A-Za-z][\w-]*)")
_ALIASES = {
    "aspect": "ar",
    "version": "v",
    "s": "stylize",
    "c": "chaos",
    "q": "quality",
    "w": "weird",
    "r": "repeat",
    "p": "profile",
    "personalize": "profile",
}
_KNOWN = frozenset(
    {
        "ar",
        "v",
        "niji",
        "stylize",
        "chaos",
        "seed",
        "quality",
        "weird",
        "style",
        "tile",
        "no",
        "sref",
        "cref",
        "iw",
        "sw",
        "raw",
        "profile",
        "stop",
        "repeat",
    }
)


def parse(c: ImageContainer) -> GenerationMeta | None:
    """Read Midjourney metadata, or None when the description is not a Midjourney command."""
    description = co.to_text(c.text.get("Description") or c.text.get("exif:ImageDescription"))
    if description is None:
        return None
    job = _JOB_ID.search(description)
    command = description[: job.start()] if job else description
    prompt, flags = split_command(command)
    xmp_guid = _GUID.search(c.text.get("xmp", ""))
    if job is None and not (flags.keys() & _KNOWN and (xmp_guid or "Author" in c.text)):
        return None  # a plain description (NovelAI, an editor) is not a Midjourney command
    meta = GenerationMeta(
        tool=TOOL,
        prompt=prompt,
        negative_prompt=co.to_text(flags.pop("no", None)),
        seed=co.to_seed(flags.pop("seed", None)),
        width=c.width,
        height=c.height,
        created_at=parse_time(c.text.get("Creation Time") or c.text.get("exif:DateTime")),
        job_id=job.group(1) if job else (xmp_guid.group(1) if xmp_guid else None),
    )
    if "niji" in flags:
        meta.model = f"niji {flags['niji']}".strip() if flags["niji"] != "true" else "niji"
    elif "v" in flags:
        meta.model = flags["v"]
    meta.extra.update(flags)
    author = co.to_text(c.text.get("Author") or c.text.get("exif:Artist"))
    if author:
        meta.extra["author"] = author
    return meta


def split_command(command: str) -> tuple[str | None, dict[str, str]]:
    """The prompt and the ``--flag value`` pairs (a flag without a value is "true")."""
    matches = list(_FLAG.finditer(command))
    prompt = (command[: matches[0].start()] if matches else command).strip()
    flags: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(command)
        name = _ALIASES.get(match.group(1).casefold(), match.group(1).casefold())
        flags[name] = command[match.end() : end].strip() or "true"
    return prompt or None, flags


def parse_time(value: str | None) -> datetime | None:
    """A timestamp in ISO 8601, RFC 1123 or EXIF form, as aware UTC (naive read as UTC)."""
    text = co.to_text(value)
    if text is None:
        return None
    moment = co.to_utc_datetime(text) or parse_exif_datetime(text)
    if moment is None:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment
