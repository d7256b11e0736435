"""Photos of work: checked by content, re-encoded without metadata (GPS included), resized,
with thumbnails; served only to who may read the post; in the export; gone with the post's
purge and with the erasure."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, PostPhoto, Role, Thread, User
from forum.services import erasure, exports, moderation, posting, retention
from forum.services.moderation import Grounds
from tests.factories import PASSWORD, make_thread, make_user, open_session

GPS_TAG = 0x8825


def _jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (180, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "Appareil de Lucie"  # Make
    exif[GPS_TAG] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"atelier rue des Lilas")
    return out.getvalue()


def _png(size=(200, 100), alpha=False) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", size, (10, 20, 30, 0) if alpha else (10, 20, 30))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def photo_app(app_factory):
    return app_factory(PHOTO_MAX_DIMENSION=320, PHOTO_THUMB=80, PHOTO_MAX_BYTES=300_000)


def _as(app, user_id):
    client = app.test_client()
    with app.app_context(), client.session_transaction() as session:
        session["_user_id"] = open_session(db.session.get(User, user_id))
    return client


def _reply(client, thread_id, files, body="Ma maquette, étape 3."):
    data = {"body": body, "photos": [(io.BytesIO(raw), name) for name, raw in files]}
    return client.post(f"/t/{thread_id}", data=data, content_type="multipart/form-data")


def _world(app):
    with app.app_context():
        thread = make_thread()
        return thread.id, make_user(username="lucie-photo").id


def test_a_photo_is_resized_stripped_of_its_metadata_and_served(photo_app):
    thread_id, lucie = _world(photo_app)
    client = _as(photo_app, lucie)
    original = _jpeg_with_gps()
    assert GPS_TAG in Image.open(io.BytesIO(original)).getexif() and b"Lilas" in original

    sent = _reply(client, thread_id, [("maquette.jpg", original)])
    page = client.get(sent.location).get_data(as_text=True)
    with photo_app.app_context():
        photo = db.session.scalar(select(PostPhoto))
        full_url = f"/photos/{photo.token}.jpg"
        thumb_url = f"/photos/t/{photo.token}.jpg"
        assert (photo.width, photo.height) == (320, 240)
        assert (photo.thumb_width, photo.thumb_height) == (80, 60)
    full = photo_app.test_client().get(full_url)
    thumb = photo_app.test_client().get(thumb_url)

    assert sent.status_code == 302
    assert f'src="{thumb_url}" width="80" height="60"' in page
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.headers["Cache-Control"] == "private, max-age=3600"
    served = Image.open(io.BytesIO(full.data))
    assert served.size == (320, 240) and not served.getexif()
    assert GPS_TAG not in served.getexif() and "comment" not in served.info
    assert b"Lilas" not in full.data and b"Appareil" not in full.data
    assert Image.open(io.BytesIO(thumb.data)).size == (80, 60)


def test_the_content_decides_not_the_name(photo_app):
    thread_id, lucie = _world(photo_app)
    client = _as(photo_app, lucie)

    fake = _reply(client, thread_id, [("photo.jpg", b"<?php echo 'pas une image'; ?>")])
    png_named_txt = _reply(client, thread_id, [("notes.txt", _png(alpha=True))])

    page = fake.get_data(as_text=True)
    assert fake.status_code == 400 and 'id="photos-error"' in page
    assert "« photo.jpg » n&#39;est pas une photo JPEG, PNG ou WebP lisible." in page
    assert "Ma maquette, étape 3." in page  # the text is kept
    assert png_named_txt.status_code == 302
    with photo_app.app_context():
        (photo,) = db.session.scalars(select(PostPhoto)).all()
        assert photo.extension == "png"  # transparency kept


def test_too_many_too_big_or_a_bomb_are_refused_in_french(photo_app):
    thread_id, lucie = _world(photo_app)
    client = _as(photo_app, lucie)
    bomb = io.BytesIO()
    Image.new("L", (8000, 6000)).save(bomb, "PNG")  # 48 million pixels, a few kilobytes

    many = _reply(client, thread_id, [(f"p{n}.png", _png()) for n in range(5)])
    big = _reply(client, thread_id, [("lourde.png", _png(size=(2000, 2000)) + b"\0" * 300_000)])
    exploding = _reply(client, thread_id, [("bombe.png", bomb.getvalue())])

    assert "4 photos au plus par message." in many.get_data(as_text=True)
    assert "« lourde.png » dépasse" in big.get_data(as_text=True)
    assert "« bombe.png » n&#39;est pas une photo" in exploding.get_data(as_text=True)
    assert {many.status_code, big.status_code, exploding.status_code} == {400}
    with photo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostPhoto)) == 0
        assert db.session.get(Thread, thread_id).post_count == 1


def test_a_photo_follows_its_post_who_may_read_it(photo_app):
    thread_id, lucie = _world(photo_app)
    author = _as(photo_app, lucie)
    _reply(author, thread_id, [("maquette.jpg", _jpeg_with_gps())])
    with photo_app.app_context():
        photo = db.session.scalar(select(PostPhoto))
        url = f"/photos/{photo.token}.jpg"
        moderation.hide_post(
            make_user(role=Role.MODERATOR), photo.post, Grounds("Hors charte", "respect")
        )

    assert photo_app.test_client().get(url).status_code == 404
    assert author.get(url).status_code == 200  # its author still sees their hidden post
    assert photo_app.test_client().get(url.replace(".jpg", ".png")).status_code == 404
    assert photo_app.test_client().get("/photos/inconnu.jpg").status_code == 404


def test_photos_are_exported_then_purged_with_the_post_and_erased(photo_app, time_machine):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    thread_id, lucie = _world(photo_app)
    client = _as(photo_app, lucie)
    _reply(client, thread_id, [("a.jpg", _jpeg_with_gps())], body="Gardée.")
    _reply(client, thread_id, [("b.png", _png())], body="Supprimée ensuite.")
    folder = Path(photo_app.config["PHOTO_FOLDER"])
    with photo_app.app_context():
        member = db.session.get(User, lucie)
        archive = exports.request_export(member)
        names = zipfile.ZipFile(exports.archive_path(member, archive.id)).namelist()
        data = json.loads(
            zipfile.ZipFile(exports.archive_path(member, archive.id)).read("data.json")
        )
        deleted = db.session.scalar(select(Post).where(Post.source == "Supprimée ensuite."))
        posting.delete_post(member, deleted)
        assert len(list(folder.iterdir())) == 4  # two photos, two thumbnails

        time_machine.shift(60 * 60 * 24 * 40)
        retention.apply_retention()
        assert db.session.scalar(select(func.count()).select_from(PostPhoto)) == 1
        assert len(list(folder.iterdir())) == 2

        erasure.schedule_erasure(member, password=PASSWORD, content="anonymise")
        time_machine.shift(60 * 60 * 24 * 8)
        erasure.run_due_erasures()
        assert db.session.scalar(select(func.count()).select_from(PostPhoto)) == 0
    assert sorted(name for name in names if name.startswith("photos/")) == [
        f"photos/{name}"
        for name in sorted(
            f"{row['post_id']}-{row['position']}.{row['extension']}"
            for row in data["tables"]["post_photos"]
        )
    ]
    assert list(folder.iterdir()) == []


def test_damaged_files_are_refused_never_a_500(photo_app):
    import random

    from werkzeug.datastructures import FileStorage

    from forum.errors import InvalidInput
    from forum.services import photos

    rng = random.Random(1)
    base = _png(size=(50, 50))
    outcomes = set()
    with photo_app.app_context():
        for _ in range(1500):
            damaged = bytearray(base)
            for _ in range(3):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            try:
                photos.prepare_all([FileStorage(io.BytesIO(bytes(damaged)), "abimee.png")])
            except InvalidInput:
                outcomes.add("refused")
            else:
                outcomes.add("accepted")

    assert "refused" in outcomes  # and nothing else escaped


def test_a_phone_jpeg_with_extra_frames_mpo_is_accepted(photo_app):
    thread_id, lucie = _world(photo_app)
    mpo = io.BytesIO()
    first, second = Image.new("RGB", (400, 300), (90, 60, 30)), Image.new("RGB", (400, 300))
    first.save(mpo, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(mpo.getvalue())).format == "MPO"

    sent = _reply(_as(photo_app, lucie), thread_id, [("IMG_0001.jpg", mpo.getvalue())])

    assert sent.status_code == 302
    with photo_app.app_context():
        assert db.session.scalar(select(PostPhoto.extension)) == "jpg"
