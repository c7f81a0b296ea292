import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.config import (
    AUTO_CLIP_HUB,
    AUTO_CLIP_MODEL,
    AUTO_CLIP_PRETRAINED,
    ImageEncoderConfig,
)
from embeddings.decode import ZipMember, decode
from embeddings.images import load_image_encoder
from embeddings.weights import WeightsUnavailableError, choose_image_model
from tests.embeddings.helpers import TINY_MODEL, picture, write_pictures


def tiny_config(checkpoint: Path, **overrides: object) -> ImageEncoderConfig:
    settings = {"model": TINY_MODEL, "checkpoint_path": str(checkpoint), "batch_size": 4}
    return ImageEncoderConfig(**{**settings, **overrides})


def test_tiny_clip_embeds_normalised_float32_rows(tiny_clip: Path, tmp_path: Path) -> None:
    paths = write_pictures(tmp_path, 10)
    encoder = load_image_encoder(tiny_config(tiny_clip, num_workers=2))
    assert encoder.choice.kind == "open_clip"
    assert encoder.dim == 32
    assert encoder.device == "cpu"

    result = encoder.embed([str(p) for p in paths])

    assert result.vectors.shape == (10, 32)
    assert result.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(result.vectors, axis=1), 1, atol=1e-5)
    assert list(result.indices) == list(range(10))
    assert not result.errors


def test_workers_and_batching_do_not_change_vectors(tiny_clip: Path, tmp_path: Path) -> None:
    paths = [str(p) for p in write_pictures(tmp_path, 9)]
    pooled = load_image_encoder(tiny_config(tiny_clip, num_workers=2, batch_size=4))
    inline = load_image_encoder(tiny_config(tiny_clip, num_workers=0, batch_size=9))
    first, again = pooled.embed(paths), pooled.embed(paths)
    assert np.array_equal(first.vectors, again.vectors)  # deterministic
    assert np.allclose(first.vectors, inline.embed(paths).vectors, atol=1e-5)


def test_bytes_zip_members_and_paths_give_the_same_vector(tiny_clip: Path, tmp_path: Path) -> None:
    import zipfile

    path = write_pictures(tmp_path, 1)[0]
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.write(path, "inner/" + path.name)
    encoder = load_image_encoder(tiny_config(tiny_clip))
    refs = [str(path), path.read_bytes(), ZipMember(str(tmp_path / "a.zip"), "inner/" + path.name)]
    vectors = encoder.embed(refs).vectors
    assert np.allclose(vectors[0], vectors[1]) and np.allclose(vectors[0], vectors[2])


def test_bad_files_are_reported_not_embedded(tiny_clip: Path, tmp_path: Path) -> None:
    good = write_pictures(tmp_path, 2)
    broken = tmp_path / "broken.png"
    broken.write_bytes(good[1].read_bytes()[:60])
    encoder = load_image_encoder(tiny_config(tiny_clip))
    refs = [str(good[0]), str(broken), str(tmp_path / "gone.png"), str(good[1])]
    hashes = [_sha(good[0]), _sha(broken), "0" * 64, "f" * 64]

    result = encoder.embed(refs, hashes)

    assert list(result.indices) == [0]
    assert set(result.errors) == {1, 2, 3}
    assert "changed since ingest" in result.errors[3]
    assert "FileNotFoundError" in result.errors[2]


def test_jpeg_is_decoded_in_draft_mode_at_the_model_size() -> None:
    buffer = io.BytesIO()
    picture(1, size=(1024, 768)).save(buffer, "JPEG")
    image = decode(buffer.getvalue(), draft_size=224)
    assert image.mode == "RGB"
    assert image.size == (512, 384)  # 1/2 scale: 1/4 would leave 192 < 224 pixels


def test_named_clip_without_weights_fails_and_says_how() -> None:
    with pytest.raises(WeightsUnavailableError, match="checkpoint_path"):
        choose_image_model(ImageEncoderConfig(model=TINY_MODEL))
    with pytest.raises(WeightsUnavailableError, match=r"hf download .*allow_download"):
        choose_image_model(
            ImageEncoderConfig(
                model="ViT-B-32", pretrained="laion2b_s34b_b79k", cache_dir="/nonexistent-cache"
            )
        )


def test_auto_without_weights_falls_back_to_the_pixel_signature(tmp_path: Path) -> None:
    choice = choose_image_model(ImageEncoderConfig(cache_dir=str(tmp_path)))
    assert choice.kind == "pixel"
    assert choice.model_id == "pixel-signature-v1"
    assert "no ViT-B-32 CLIP weights" in choice.reason
    encoder = load_image_encoder(ImageEncoderConfig(cache_dir=str(tmp_path), num_workers=0))
    vectors = encoder.embed([str(p) for p in write_pictures(tmp_path / "img", 3)]).vectors
    assert vectors.shape == (3, 448)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_auto_hub_address_is_open_clips_own() -> None:
    import open_clip

    tag_cfg = open_clip.get_pretrained_cfg(AUTO_CLIP_MODEL, AUTO_CLIP_PRETRAINED)
    assert tag_cfg["hf_hub"] == AUTO_CLIP_HUB


def test_auto_without_weights_decides_without_importing_open_clip(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from embeddings.config import ImageEncoderConfig\n"
        "from embeddings.weights import choose_image_model\n"
        f"choice = choose_image_model(ImageEncoderConfig(cache_dir={str(tmp_path)!r}))\n"
        "print(choice.kind, 'open_clip' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["pixel", "False"]


def test_auto_with_cached_weights_chooses_clip(tmp_path: Path) -> None:
    # The Hugging Face cache layout for the default weights, with a stand-in file.
    repo = tmp_path / ("models--" + AUTO_CLIP_HUB.rstrip("/").replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc")
    snapshot = repo / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    (snapshot / "open_clip_model.safetensors").write_bytes(b"weights")
    choice = choose_image_model(ImageEncoderConfig(cache_dir=str(tmp_path)))
    assert choice.kind == "open_clip"
    assert choice.weights == str(snapshot / "open_clip_model.safetensors")
    assert choice.reason.startswith("auto: ")


def test_local_dir_and_checkpoint_ids_name_the_weights(tiny_clip: Path, tmp_path: Path) -> None:
    import json

    import torch
    from safetensors.torch import save_file

    folder = tmp_path / "tiny-local"
    folder.mkdir()
    config = json.loads((tiny_clip.parent / f"{TINY_MODEL}.json").read_text())
    (folder / "open_clip_config.json").write_text(json.dumps({"model_cfg": config}))
    state = torch.load(tiny_clip, weights_only=True)
    save_file({k: v.contiguous() for k, v in state.items()}, folder / "open_clip_model.safetensors")

    local = load_image_encoder(ImageEncoderConfig(model=f"local-dir:{folder}", num_workers=0))
    from_file = load_image_encoder(tiny_config(tiny_clip, num_workers=0))

    assert local.model_id.startswith("open_clip-tiny-local-")
    assert from_file.model_id.startswith(f"open_clip-{TINY_MODEL}-")
    image = picture(2)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    assert np.allclose(
        local.embed([buffer.getvalue()]).vectors,
        from_file.embed([buffer.getvalue()]).vectors,
        atol=1e-5,
    )


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_real_generator_files_embed_and_broken_ones_are_reported(realdata: Path) -> None:
    suffixes = (".png", ".jpg", ".jpeg", ".webp")
    paths = sorted(str(p) for p in realdata.rglob("*") if p.suffix.lower() in suffixes)
    encoder = load_image_encoder(ImageEncoderConfig(model="pixel-signature-v1", num_workers=2))

    result = encoder.embed(paths)

    assert len(result.indices) + len(result.errors) == len(paths)
    assert len(result.indices) >= len(paths) - 5  # only the deliberately broken files fail
    assert all("bad_images" in paths[i] for i in result.errors)
    assert np.allclose(np.linalg.norm(result.vectors, axis=1), 1, atol=1e-5)
