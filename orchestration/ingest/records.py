"""The contracts every reader honours: what a file's metadata yields, and why a file is refused."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime


@dataclass(slots=True)
class GenerationMeta:
    """Generation parameters recovered from one file's metadata.

    Every field a tool did not write stays ``None``: nothing is invented.
    ``created_at`` is set only when the metadata itself carries a generation time (timezone-aware,
    UTC); EXIF and archive times are filled in later by the ingest step, which records the source.
    """

    tool: str
    prompt: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    steps: int | None = None
    cfg_scale: float | None = None
    sampler: str | None = None
    scheduler: str | None = None
    model: str | None = None
    width: int | None = None
    height: int | None = None
    created_at: datetime | None = None
    job_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def filled_fields(self) -> list[str]:
        """Names of the generation fields this record actually carries (for recovery statistics)."""
        return [name for name in _GENERATION_FIELDS if getattr(self, name) is not None]

    def has_generation_data(self) -> bool:
        """Whether ``filled_fields`` would be non-empty (stops at the first field it finds)."""
        for name in _GENERATION_FIELDS:
            if getattr(self, name) is not None:
                return True
        return False


# GenerationMeta's fields that are generation parameters, in declaration order (computed once:
# ``filled_fields`` runs several times per file)
_GENERATION_FIELDS = tuple(
    f.name
    for f in fields(GenerationMeta)
    if f.name not in {"tool", "extra", "created_at", "job_id"}
)


@dataclass(slots=True)
class ImageContainer:
    """What the file container holds, read without decoding pixels.

    ``text`` maps a metadata key to its decoded text. Keys:
      - PNG text chunks (tEXt/zTXt/iTXt) by their keyword, e.g. ``parameters``, ``prompt``,
        ``workflow``, ``Comment``, ``invokeai_metadata``, ``sui_image_params``, ``generation_data``;
      - EXIF tags as ``exif:<TagName>``, e.g. ``exif:UserComment``, ``exif:Make``, ``exif:Model``,
        ``exif:ImageDescription``, ``exif:Software``, ``exif:Artist``;
      - a JPEG COM segment as ``jpeg:comment``; XMP packets as ``xmp``;
      - A1111 stealth metadata (alpha-channel LSBs), only when nothing else is present, as
        ``stealth``.
    Text is already repaired when UTF-8 was stored as Latin-1 (mojibake).
    """

    format: str  # "png", "jpeg", "webp"
    width: int | None = None
    height: int | None = None
    text: dict[str, str] = field(default_factory=dict)
    exif_datetime_original: datetime | None = None  # naive EXIF local time read as UTC
    skipped: list[str] = field(default_factory=list)  # metadata not read, and why (too large)
    png_time: datetime | None = None  # a PNG tIME chunk: when the saver wrote the image


class FileRejected(Exception):
    """A file that cannot become a generation; the message is the quarantine reason."""


class UnreadableFile(FileRejected):
    """The bytes are not a readable PNG/JPEG/WebP (truncated, empty, wrong format)."""


class NoGenerationMetadata(FileRejected):
    """A readable image that carries no generation metadata of any known tool."""
