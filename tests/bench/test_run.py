"""The benchmark (bench/run.py) at its smallest: `--smoke` serves the floor and the forum, drives
every page with wrk, posts replies and times the privacy operations. No timing is asserted: the
test only keeps the benchmark from rotting."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bench import run
from config import PROJECT_ROOT
from tests.conftest import BACKEND, IS_POSTGRES

pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (make bench-tools)"
)


@pytest.fixture
def database_args() -> Iterator[list[str]]:
    """SQLite in the run's folder; on PostgreSQL a database of its own, never the suite's."""
    if not IS_POSTGRES:
        yield []
        return
    url = make_url(BACKEND)
    name = f"test_bench_run_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield ["--database-url", url.set(database=name).render_as_string(hide_password=False)]
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'DROP DATABASE IF EXISTS "{name}_gdpr_copy" WITH (FORCE)')


def test_smoke_run_measures_every_page_and_posts_replies(tmp_path, database_args):
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--out", str(tmp_path), *database_args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-5000:]

    (results_file,) = (tmp_path / "results").glob("*.json")
    results = json.loads(results_file.read_text())
    assert results["engine"] == ("postgresql" if IS_POSTGRES else "sqlite")
    pages = {(page["group"], page["name"]): page for page in results["pages"]}
    expected = {("floor", "hello"), ("floor", "jinja50"), ("write", "reply")}
    expected |= {(group, name) for group in ("anonymous", "member") for name in run.PAGES}
    assert set(pages) == expected
    for key, page in pages.items():
        assert page["requests"] > 0, key
        assert not page["errors"], (key, page)
    assert results["member_check"]["logged_in"]
    assert pages["write", "reply"]["created"] > 0

    gdpr = results["gdpr"]
    assert gdpr["export_status"] == "ready"
    assert gdpr["retention_ok"], gdpr["retention_output"]
    assert all(workers for workers in results["rss_kb"].values())

    report = (tmp_path / "RESULTS.md").read_text()
    for group, name in expected - {("write", "reply")} - {("floor", "hello"), ("floor", "jinja50")}:
        assert f"| {group} {name} |" in report
    assert "| reply (POST;" in report
    assert "Jinja 50 items" in report
