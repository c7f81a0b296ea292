import hashlib
import io
from pathlib import Path

from PIL import Image

from embeddings.config import ImageEncoderConfig
from embeddings.images import load_image_encoder, make_thumbnails
from embeddings.thumbnails import THUMBNAIL_PX, thumbnail_path
from tests.embeddings.helpers import picture, write_pictures

PIXELS = ImageEncoderConfig(model="pixel-signature-v1", num_workers=0)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_embedding_writes_small_thumbnails_by_content_hash(tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"  # drafted to 1/8 for the 64 px signature: thumbnail re-drafts
    picture(5, size=(1536, 1024)).save(big, quality=95)
    refs = [big, *write_pictures(tmp_path / "img", 3)]
    hashes = [_sha(p.read_bytes()) for p in refs]
    folder = tmp_path / "thumbnails"

    result = load_image_encoder(PIXELS).embed([str(p) for p in refs], hashes, thumbnails=folder)

    assert result.thumbnails == 4 and not result.errors
    for digest in hashes:
        path = thumbnail_path(folder, digest)
        assert path.parent.name == digest[:2]
        with Image.open(path) as thumb:
            assert thumb.format == "WEBP"
            assert max(thumb.size) <= THUMBNAIL_PX
        assert path.stat().st_size < 8_000
    with Image.open(thumbnail_path(folder, hashes[0])) as thumb:
        assert thumb.size == (160, 107)  # the long side at full thumbnail size, aspect kept
    assert not [p for p in folder.rglob("*") if p.name.startswith(".")]  # no temp files left


def test_thumbnails_are_not_rewritten_nor_made_for_changed_files(tmp_path: Path) -> None:
    good, changed = write_pictures(tmp_path, 2)
    folder = tmp_path / "thumbnails"
    digest = _sha(good.read_bytes())
    existing = thumbnail_path(folder, digest)
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"kept")

    result = load_image_encoder(PIXELS).embed(
        [str(good), str(changed)], [digest, "0" * 64], thumbnails=folder
    )

    assert result.thumbnails == 0
    assert existing.read_bytes() == b"kept"
    assert not thumbnail_path(folder, "0" * 64).exists()
    assert list(result.indices) == [0]


def test_make_thumbnails_backfills_without_a_model(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    picture(3, size=(400, 300)).save(buffer, "PNG")
    paths = write_pictures(tmp_path, 70)  # over one batch: decoded in worker processes
    refs = [buffer.getvalue(), *map(str, paths)]
    hashes = [_sha(buffer.getvalue()), *(_sha(p.read_bytes()) for p in paths)]

    done = make_thumbnails(refs, hashes, tmp_path / "t", num_workers=2)
    again = make_thumbnails(refs, hashes, tmp_path / "t", num_workers=2)

    assert done.written == 71 and not done.errors
    assert again.written == 0
    with Image.open(thumbnail_path(tmp_path / "t", hashes[0])) as thumb:
        assert thumb.size == (160, 120)
