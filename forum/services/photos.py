"""Photos of work: checked by their content (JPEG, PNG or WebP, whatever the file's name),
re-encoded with Pillow without any metadata (EXIF, GPS position, XMP, ICC, comments), resized,
with a thumbnail; served only to who may read their post.

Files live in PHOTO_FOLDER (the instance folder's `photos/` by default), named by a random
token; a row per photo says which post it belongs to. A file whose row is gone (the post
purged, the member erased) is removed by `sweep`, run after every purge and erasure.
"""

from __future__ import annotations

import io
import logging
import secrets
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Post, PostPhoto, User
from forum.models.base import utcnow
from gdpr import files

log = logging.getLogger(__name__)
# MPO: the JPEG of many phone cameras (extra frames after the first, which alone is kept).
FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
# What Pillow raises on a damaged file, depending on the damage: all mean « not a photo ».
UNREADABLE = (
    UnidentifiedImageError,
    OSError,
    ValueError,
    SyntaxError,
    IndexError,
    TypeError,
    KeyError,
    EOFError,
    struct.error,
    Image.DecompressionBombError,
)
PIXELS_MAX = 40_000_000  # a decompression bomb is refused before it is decoded
FIELD = "photos"


@dataclass(frozen=True)
class Prepared:
    """A photo ready to store: its re-encoded bytes, its thumbnail's, and their sizes."""

    data: bytes
    thumb: bytes
    extension: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int


def folder() -> Path:
    return Path(current_app.config["PHOTO_FOLDER"])


def chosen(uploads: Iterable[FileStorage]) -> list[FileStorage]:
    """The files really sent (a file field left empty sends a nameless, empty part)."""
    return [upload for upload in uploads if upload and upload.filename]


def prepare_all(uploads: Sequence[FileStorage]) -> list[Prepared]:
    """Check and re-encode the photos of one post; InvalidInput (field `photos`) in French."""
    config = current_app.config
    if len(uploads) > config["PHOTOS_MAX"]:
        raise InvalidInput(FIELD, _("%(n)d photos au plus par message.", n=config["PHOTOS_MAX"]))
    return [_prepare(upload) for upload in uploads]


def _prepare(upload: FileStorage) -> Prepared:
    config = current_app.config
    raw = upload.stream.read(config["PHOTO_MAX_BYTES"] + 1)
    if len(raw) > config["PHOTO_MAX_BYTES"]:
        raise InvalidInput(
            FIELD,
            _(
                "« %(name)s » dépasse %(mb)s Mo : réduisez-la avant de l'envoyer.",
                name=upload.filename,
                mb=config["PHOTO_MAX_BYTES"] // (1024 * 1024),
            ),
        )
    refused = InvalidInput(
        FIELD,
        _(
            "« %(name)s » n'est pas une photo JPEG, PNG ou WebP lisible.",
            name=upload.filename,
        ),
    )
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in FORMATS or probe.width * probe.height > PIXELS_MAX:
                raise refused
            probe.load()
            image = ImageOps.exif_transpose(probe)  # turned upright, then its EXIF dropped
    except UNREADABLE as error:
        raise refused from error
    return encode(image)


def encode(image: Image.Image) -> Prepared:
    """IMAGE re-encoded from its pixels alone: nothing of the sent file's metadata remains."""
    limit = current_app.config["PHOTO_MAX_DIMENSION"]
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    pixels = image.convert("RGBA" if has_alpha else "RGB")
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)  # a new image: no info, no EXIF, no ICC profile, no XMP
    clean.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    thumb = clean.copy()
    side = current_app.config["PHOTO_THUMB"]
    thumb.thumbnail((side, side), Image.Resampling.LANCZOS)
    extension = "png" if has_alpha else "jpg"
    return Prepared(
        data=_bytes(clean, extension),
        thumb=_bytes(thumb, extension),
        extension=extension,
        width=clean.width,
        height=clean.height,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
    )


def _bytes(image: Image.Image, extension: str) -> bytes:
    out = io.BytesIO()
    if extension == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def attach(author: User, post: Post, prepared: Sequence[Prepared]) -> None:
    """Store PREPARED as POST's photos: files written now, rows in the caller's transaction
    (a rollback leaves files without rows, which `sweep` removes)."""
    for position, photo in enumerate(prepared, start=1):
        token = secrets.token_urlsafe(24)
        _write(token, photo.extension, photo.data)
        _write(f"{token}-t", photo.extension, photo.thumb)
        db.session.add(
            PostPhoto(
                user_id=author.id,
                post_id=post.id,
                position=position,
                token=token,
                extension=photo.extension,
                width=photo.width,
                height=photo.height,
                thumb_width=photo.thumb_width,
                thumb_height=photo.thumb_height,
                size=len(photo.data),
                created_at=utcnow(),
            )
        )


def _write(name: str, extension: str, data: bytes) -> None:
    with files.open_private(folder() / f"{name}.{extension}") as handle:
        handle.write(data)


def on_posts(posts: Sequence[Post]) -> dict[int, list[PostPhoto]]:
    """The photos of POSTS, in one query, in their order."""
    ids = [post.id for post in posts]
    found: dict[int, list[PostPhoto]] = {post_id: [] for post_id in ids}
    if ids:
        query = select(PostPhoto).where(PostPhoto.post_id.in_(ids))
        for photo in db.session.scalars(query.order_by(PostPhoto.post_id, PostPhoto.position)):
            found[photo.post_id].append(photo)
    return found


def get(token: str) -> PostPhoto | None:
    return db.session.scalar(select(PostPhoto).where(PostPhoto.token == token))


def path_of(photo: PostPhoto, *, thumb: bool = False) -> Path:
    return folder() / f"{photo.token}{'-t' if thumb else ''}.{photo.extension}"


def sweep() -> int:
    """Remove the files no row names any more (purged posts, erased members); how many."""
    if not folder().exists():
        return 0
    kept = set(db.session.scalars(select(PostPhoto.token)))
    removed = 0
    for path in folder().iterdir():
        token = path.stem.removesuffix("-t")
        if token not in kept:
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("photo files removed: %d", removed)
    return removed


def of_member(user: User) -> list[tuple[str, Path]]:
    """The member's photos, as (name in the export, file), for their archive."""
    query = select(PostPhoto).where(PostPhoto.user_id == user.id).order_by(PostPhoto.id)
    return [
        (f"photos/{photo.post_id}-{photo.position}.{photo.extension}", path_of(photo))
        for photo in db.session.scalars(query)
    ]
