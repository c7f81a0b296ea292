"""Which image model a run uses, decided before anything heavy loads.

Weights are explicit: a named CLIP loads from a checkpoint file, the local download cache or a
``local-dir:`` folder, or the run fails with a message that says how to provide them. Only
``auto`` may fall back, to the pixel descriptor, and it says so. The model id names the weights
(tag or file digest), so two different weights never share vectors or a similarity.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from embeddings.config import (
    AUTO,
    AUTO_CLIP_HUB,
    AUTO_CLIP_MODEL,
    AUTO_CLIP_PRETRAINED,
    PIXEL_SIGNATURE_ID,
    ImageEncoderConfig,
    safe_id,
)

LOCAL_DIR = "local-dir:"
WEIGHT_FILES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")


class WeightsUnavailableError(RuntimeError):
    """The configured CLIP weights cannot be loaded without a download."""


@dataclass(frozen=True, slots=True)
class ImageModelChoice:
    """The resolved image model: what to load, its id, and why it was chosen."""

    kind: Literal["open_clip", "pixel"]
    model_id: str
    reason: str
    model_name: str | None = None
    weights: str | None = None  # file path; None with local-dir: or a tag to download
    pretrained_cfg: dict[str, Any] = field(default_factory=dict)


def pixel_choice(reason: str) -> ImageModelChoice:
    """The pixel descriptor: always available, honestly named."""
    return ImageModelChoice(kind="pixel", model_id=PIXEL_SIGNATURE_ID, reason=reason)


def choose_image_model(cfg: ImageEncoderConfig) -> ImageModelChoice:
    """Resolve ``cfg`` to one model without loading it (cheap: file checks and a digest)."""
    if cfg.model == PIXEL_SIGNATURE_ID:
        return pixel_choice("configured: model=pixel-signature-v1")
    if cfg.model != AUTO:
        return resolve_clip(cfg.model, cfg.pretrained, cfg.checkpoint_path, cfg)
    try:
        _auto_weights_cached(cfg)
        choice = resolve_clip(
            AUTO_CLIP_MODEL,
            cfg.pretrained or AUTO_CLIP_PRETRAINED,
            cfg.checkpoint_path,
            cfg,
            allow_download=False,
        )
    except WeightsUnavailableError as exc:
        reason = (
            f"auto: no {AUTO_CLIP_MODEL} CLIP weights available offline, so images are embedded "
            f"with {PIXEL_SIGNATURE_ID}, a colour-and-layout signature that finds near-duplicates "
            f"and visual convergence but knows nothing of content. To use CLIP: {exc}"
        )
        return pixel_choice(reason)
    return replace(choice, reason=f"auto: {choice.reason}")


def _auto_weights_cached(cfg: ImageEncoderConfig) -> None:
    """Fail before open_clip loads when ``auto``'s default weights are not on this machine."""
    if cfg.checkpoint_path or cfg.pretrained not in (None, AUTO_CLIP_PRETRAINED):
        return  # not the default weights: resolve_clip decides
    tag_cfg = {"hf_hub": AUTO_CLIP_HUB}
    if cached_weights(tag_cfg, cfg.cache_dir) is None:
        raise WeightsUnavailableError(
            _how_to_provide(AUTO_CLIP_MODEL, AUTO_CLIP_PRETRAINED, tag_cfg)
        )


def resolve_clip(
    model: str,
    pretrained: str | None,
    checkpoint_path: str | None,
    cfg: ImageEncoderConfig,
    *,
    allow_download: bool | None = None,
) -> ImageModelChoice:
    """Find CLIP weights offline (or allow open_clip to download them when configured)."""
    allow = cfg.allow_download if allow_download is None else allow_download
    if model.startswith(LOCAL_DIR):
        folder = Path(model[len(LOCAL_DIR) :]).expanduser()
        found = next((folder / n for n in WEIGHT_FILES if (folder / n).is_file()), None)
        if not (folder / "open_clip_config.json").is_file() or found is None:
            raise WeightsUnavailableError(
                f"{folder} needs open_clip_config.json and one of {', '.join(WEIGHT_FILES)}"
            )
        model_id = safe_id(f"open_clip-{folder.name}-{file_digest(found)}")
        return ImageModelChoice("open_clip", model_id, f"local folder {folder}", model, None)
    if checkpoint_path:
        path = Path(checkpoint_path).expanduser()
        if not path.is_file():
            raise WeightsUnavailableError(f"checkpoint_path {path} is not a file")
        model_id = safe_id(f"open_clip-{model}-{file_digest(path)}")
        return ImageModelChoice("open_clip", model_id, f"checkpoint {path}", model, str(path))
    if not pretrained:
        raise WeightsUnavailableError(
            f"model {model!r} has no weights configured; set `pretrained` to a tag, "
            f"`checkpoint_path` to a file, or model='local-dir:<folder>' (random weights are "
            "never used for embeddings)"
        )
    import open_clip

    tag_cfg = open_clip.get_pretrained_cfg(model, pretrained)
    if not tag_cfg:
        tags = ", ".join(open_clip.list_pretrained_tags_by_model(model)) or "none"
        raise WeightsUnavailableError(f"unknown pretrained tag {pretrained!r} for {model}: {tags}")
    model_id = safe_id(f"open_clip-{model}-{pretrained}")
    cached = cached_weights(tag_cfg, cfg.cache_dir)
    if cached is not None:
        return ImageModelChoice(
            "open_clip", model_id, f"{model}/{pretrained} from {cached}", model, cached, tag_cfg
        )
    if allow:
        return ImageModelChoice(
            "open_clip", model_id, f"{model}/{pretrained}, downloading", model, pretrained, tag_cfg
        )
    raise WeightsUnavailableError(_how_to_provide(model, pretrained, tag_cfg))


def cached_weights(tag_cfg: dict[str, Any], cache_dir: str | None) -> str | None:
    """The weights of a pretrained tag if a previous download left them on this machine."""
    if hub := tag_cfg.get("hf_hub"):
        from huggingface_hub import try_to_load_from_cache

        # open_clip's own lookup: 'org/repo/' means the default file; .safetensors is preferred.
        repo, filename = os.path.split(hub)
        filename = filename or "open_clip_pytorch_model.bin"
        names = [filename]
        if filename.endswith((".bin", ".pth")):
            safe = "open_clip_model" if filename == "open_clip_pytorch_model.bin" else filename[:-4]
            names.insert(0, f"{safe}.safetensors")
        for name in names:
            found = try_to_load_from_cache(repo, name, cache_dir=cache_dir)
            if isinstance(found, str):
                return found
    if url := tag_cfg.get("url"):
        path = Path(cache_dir or "~/.cache/clip").expanduser() / os.path.basename(url)
        if path.is_file():
            return str(path)
    return None


def _how_to_provide(model: str, pretrained: str, tag_cfg: dict[str, Any]) -> str:
    hub = str(tag_cfg.get("hf_hub", "")).rstrip("/")
    fetch = (
        f"`hf download {hub} open_clip_model.safetensors` into the Hugging Face cache"
        if hub
        else f"download {tag_cfg.get('url')} into ~/.cache/clip"
    )
    return (
        f"weights for {model}/{pretrained} are not on this machine. Provide them by one of: "
        f"{fetch}; checkpoint_path=<state-dict file>; model='local-dir:<folder with "
        "open_clip_config.json and open_clip_model.safetensors>'; or allow_download=true"
    )


def file_digest(path: Path, chars: int = 12) -> str:
    """Short sha256 of a weights file: the id changes exactly when the weights do."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:chars]
