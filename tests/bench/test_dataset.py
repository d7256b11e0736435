"""The benchmark's dataset loader (bench/dataset.py) at its smallest scale: it loads, and the
pages it names answer, to a visitor and to its member logged in through the real form."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from bench import dataset
from forum.extensions import db
from forum.models import Post, ReadMark, Thread
from tests.conftest import TEST_CONFIG, make_app

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def test_small_scale_loads_and_every_sample_page_answers(tmp_path, empty_database_url, capsys):
    config = {key: value for key, value in TEST_CONFIG.items() if key != "SQLALCHEMY_DATABASE_URI"}
    config["INSTANCE_PATH"] = str(tmp_path / "instance")
    assert (
        dataset.main(["--scale", "small", "--database-url", empty_database_url], config=config) == 0
    )
    samples = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    scale = dataset.SCALES["small"]

    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=dataset._database_url(empty_database_url),
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=False,
    )
    with app.app_context():
        hot_id = int(samples["hot_thread"].split("/t/")[1].split("-")[0])
        hot = db.session.get(Thread, hot_id)
        assert hot.post_count == scale.hot_posts
        assert db.session.scalar(select(func.count()).select_from(Post)) == scale.posts
        assert (
            db.session.scalar(select(func.count()).where(Post.thread_id == hot_id))
            == scale.hot_posts
        )
        assert db.session.scalar(select(func.count()).select_from(ReadMark)) > 0
        db.engine.dispose()

    paths = [value for key, value in samples.items() if key not in ("member", "reply_thread_id")]
    visitor = app.test_client()
    for path in paths:
        assert visitor.get(path).status_code == 200, path
    found = visitor.get(samples["search"]).get_data(as_text=True)
    assert "/p/" in found or "/t/" in found  # the search page lists hits

    member = app.test_client()
    page = member.get("/auth/login").get_data(as_text=True)
    login = member.post(
        "/auth/login",
        data={
            "csrf_token": TOKEN.search(page).group(1),
            "login": samples["member"]["login"],
            "password": samples["member"]["password"],
        },
    )
    assert login.status_code == 302 and login.headers["Location"].endswith("/")
    for path in paths:
        response = member.get(path)
        assert response.status_code == 200, path
    home = member.get("/").get_data(as_text=True)
    assert samples["member"]["login"] in home  # signed in, not asked to accept policies
    with app.app_context():
        db.engine.dispose()
