"""Midjourney's web-download metadata: the command and job id in ``Description``.

Midjourney PNGs carry ``Author`` (the user name), ``Description`` (``<prompt> --ar 16:9 --v 6.1
Job ID: <uuid>``), ``Creation Time`` and an XMP packet with the IPTC digital source type and
the job id as ``DigImageGUID``. The same dict feeds :func:`webp_bytes`/:func:`jpeg_bytes`,
which map these keywords to EXIF ImageDescription/Artist/DateTime.
"""

from __future__ import annotations

from datetime import UTC
from math import gcd

from orchestration.ingest.records import GenerationMeta

DIGITAL_SOURCE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
# extra keys written as flags, in Midjourney's order
FLAG_KEYS = ("ar", "chaos", "no", "quality", "stylize", "weird", "style", "tile", "raw")


def midjourney_command(g: GenerationMeta) -> str:
    """The prompt with its parameters, as Midjourney echoes it back."""
    parts = [g.prompt or ""]
    flags = dict(g.extra)
    if "ar" not in flags and g.width and g.height and g.width != g.height:
        k = gcd(g.width, g.height)
        flags["ar"] = f"{g.width // k}:{g.height // k}"
    if g.negative_prompt and "no" not in flags:
        flags["no"] = g.negative_prompt
    for key in FLAG_KEYS:
        value = flags.get(key)
        if value is not None:
            parts.append(f"--{key}" if value in ("", "true") else f"--{key} {value}")
    if g.seed is not None:
        parts.append(f"--seed {g.seed}")
    model = g.model or flags.get("v")
    if model and model.startswith("niji"):
        parts.append(f"--{model}")
    elif model:
        parts.append(f"--v {model}")
    return " ".join(p for p in parts if p)


def _xmp(job_id: str) -> str:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" '
        'xmlns:iptcExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        f'iptcExt:DigitalSourceType="{DIGITAL_SOURCE}" iptcExt:DigImageGUID="{job_id}"/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def midjourney_description(g: GenerationMeta) -> dict[str, str]:
    """PNG text fields for ``g`` (``extra["author"]`` is the user name, when known)."""
    description = midjourney_command(g)
    if g.job_id:
        description += f" Job ID: {g.job_id}"
    fields = {"Description": description}
    author = g.extra.get("author")
    if author:
        fields = {"Author": author, **fields}
    if g.created_at is not None:
        fields["Creation Time"] = g.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if g.job_id:
        fields["XML:com.adobe.xmp"] = _xmp(g.job_id)
    return fields
