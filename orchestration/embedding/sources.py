"""Find an ingested image's bytes again in its archive, as a reference a decode worker can open.

Folders give file paths and zips give members, both opened by the DataLoader workers in
parallel; a tar can only be streamed, so its members arrive as bytes, one pass per shard.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from embeddings.decode import ImageRef, ZipMember
from orchestration.embedding.shards import ShardImage
from orchestration.ingest.archives import UnreadableArchive, iter_entries, sanitise_member_path
from orchestration.store.registry import RegisteredArchive


def iter_image_refs(
    archive: RegisteredArchive, images: Sequence[ShardImage]
) -> Iterator[tuple[ShardImage, ImageRef]]:
    """Yield ``(image, ref)`` for each image still present in the archive; skip the rest."""
    wanted = {image.source_path: image for image in images}
    root = Path(archive.path)
    if not wanted or not root.exists():
        return
    if archive.kind == "folder":
        for image in images:
            path = root / image.source_path
            if path.is_file():
                yield image, str(path)
    elif archive.kind == "zip":
        with zipfile.ZipFile(root) as zf:
            for info in zf.infolist():
                image = wanted.get(sanitise_member_path(info.filename))
                if image is not None and not info.is_dir():
                    yield image, ZipMember(str(root), info.filename)
    elif archive.kind == "tar":
        yield from _tar_refs(root, wanted)


def _tar_refs(root: Path, wanted: dict[str, ShardImage]) -> Iterator[tuple[ShardImage, bytes]]:
    """Stream the tar until every wanted image is found, never past its budget.

    A tar that stops the ingest (a bomb, damage) stops here at the same place: the images
    before it were ingested and are found; the ingest already quarantined the rest.
    """
    left = set(wanted)
    try:
        for entry in iter_entries(root, "tar"):
            image = wanted.get(entry.path)
            if image is not None and entry.problem is None:
                left.discard(entry.path)
                yield image, entry.read()
                if not left:
                    return
    except UnreadableArchive:
        return
