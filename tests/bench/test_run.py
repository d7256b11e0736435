"""The benchmark (bench/run.py) at its smallest: `--smoke` serves the floor and the forum, drives
every page with wrk, posts replies and times the privacy operations. No timing is asserted: the
test only keeps the benchmark from rotting."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from bench import run
from config import PROJECT_ROOT
from tests.conftest import IS_POSTGRES


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench-tools)")
def test_smoke_run_measures_every_page_and_posts_replies(tmp_path, empty_database_url):
    done = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--smoke",
            "--out",
            str(tmp_path),
            "--database-url",
            empty_database_url,
        ],
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


def _run(date: str, rps: float) -> dict:
    page = {"group": "anonymous", "name": "home", "rps": rps, "p99_ms": 1000 / rps}
    return {"dataset": "d1", "engine": "sqlite", "date": date, "pages": [page]}


def test_the_report_sets_the_first_run_beside_the_last():
    lines = run.before_after(
        [_run("2026-12-01", 92), _run("2026-12-02", 500), _run("2026-12-03", 920)]
    )

    assert "### d1 · sqlite: before (2026-12-01) / after (2026-12-03)" in lines
    assert "| anonymous home | 92.0 | 920 | 10.0× | 11 ms | 1.1 ms |" in lines
    assert run.before_after([_run("2026-12-01", 92)]) == []  # measured once: nothing to compare
