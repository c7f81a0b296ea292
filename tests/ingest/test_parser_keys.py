"""Skipping parsers by key changes no result: a skipped parser would have returned None."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from orchestration.ingest import image_metadata, parser_keys
from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.sample.writers.a1111 import a1111_parameters
from orchestration.sample.writers.comfyui import comfyui_text
from orchestration.sample.writers.fooocus import fooocus_text, ruinedfooocus_text
from orchestration.sample.writers.invokeai import invokeai_text
from orchestration.sample.writers.midjourney import midjourney_description
from orchestration.sample.writers.novelai import novelai_text
from orchestration.sample.writers.stability_matrix import stability_matrix_text
from orchestration.sample.writers.swarmui import swarmui_text
from orchestration.sample.writers.tensorart import tensorart_text

GEN = GenerationMeta(
    tool="x",
    prompt="a koi pond at dusk",
    negative_prompt="blurry",
    seed=123456789,
    steps=24,
    cfg_scale=6.0,
    sampler="euler",
    scheduler="karras",
    model="juggernautXL_v9",
    width=1024,
    height=768,
    created_at=datetime(2024, 4, 2, 18, 30, 10, tzinfo=UTC),
    job_id="0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
)


def _texts() -> list[dict[str, str]]:
    """Every tool's metadata, in each layout its writer knows."""
    a1111 = a1111_parameters(GEN)
    texts = [
        {"parameters": a1111},
        {"exif:UserComment": a1111_parameters(GEN, flavour="forge")},
        {"jpeg:comment": a1111},
        {"stealth": a1111},
        fooocus_text(GEN),
        fooocus_text(GEN, scheme="a1111"),
        ruinedfooocus_text(GEN),
        invokeai_text(GEN),
        invokeai_text(GEN, variant="sd-metadata"),
        invokeai_text(GEN, variant="dream"),
        novelai_text(GEN),
        novelai_text(GEN, container="webp"),
        stability_matrix_text(GEN),
        stability_matrix_text(GEN, with_project=False, with_graph=False),
        swarmui_text(GEN),
        swarmui_text(GEN, container="exif"),
        tensorart_text(GEN),
        midjourney_description(GEN),
        {"Software": "Adobe Photoshop", "xmp": "<x:xmpmeta/>"},
    ]
    texts += [comfyui_text(GEN, layout=layout) for layout in ("png", "exif", "workflow_only")]
    texts += [comfyui_text(GEN, layout="save_image_extended")]
    texts += [comfyui_text(GEN, layout="saveimage_plus")]
    return texts


def _variants(text: dict[str, str]) -> list[dict[str, str]]:
    """The text as written, with its keys re-cased, and with each key dropped in turn."""
    out = [text]
    for case in (str.upper, str.lower, str.title):
        out.append({case(k): v for k, v in text.items()})
    out += [{k: v for k, v in text.items() if k != drop} for drop in text]
    return out


CASES = [v for t in _texts() for v in _variants(t)]
CASES += [{**a, **b} for a, b in itertools.combinations(_texts()[::3], 2)]


@pytest.mark.parametrize("text", CASES, ids=lambda t: "+".join(t)[:60] or "empty")
def test_a_skipped_parser_would_have_returned_none(text: dict[str, str]) -> None:
    container = ImageContainer(format="png", width=64, height=64, text=dict(text))
    skip = parser_keys.skipped(container.text)
    for parse in skip:
        assert parse(container) is None, parse.__module__


def _read(container: ImageContainer) -> str:
    try:
        meta, _ = image_metadata._parse(container)
        return repr(meta)
    except FileRejected as exc:
        return f"{type(exc).__name__}: {exc}"


def test_the_dispatcher_reads_the_same_with_and_without_skipping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def container(text: dict[str, str]) -> ImageContainer:
        return ImageContainer(format="png", width=64, height=64, text=dict(text))

    skipping = [_read(container(t)) for t in CASES]
    assert any(parser_keys.skipped(t) for t in CASES)  # the rules do skip parsers here
    monkeypatch.setattr(image_metadata, "skipped", lambda text: frozenset())
    assert [_read(container(t)) for t in CASES] == skipping


def test_many_keys_are_decided_without_the_cache() -> None:
    text = {f"key{i}": "x" for i in range(100)} | {"Parameters": "Steps: 20"}
    skip = parser_keys.skipped(text)
    assert dict(image_metadata.PARSERS)["fooocus"] not in skip  # "Parameters" folds to its key
    assert dict(image_metadata.PARSERS)["a1111"] in skip  # a1111 reads "parameters" exactly
