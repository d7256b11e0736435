"""Background jobs: RQ workers on Redis when REDIS_URL is set, inline otherwise — same function."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue

import forum

log = logging.getLogger(__name__)
QUEUE = "etabli"
_registry: dict[str, Callable[..., Any]] = {}


def job(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare FUNCTION as the job NAME (explicit registration: a missing job is an error)."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _registry[name] = function
        return function

    return register


def queue() -> Queue:
    return Queue(QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def enqueue(name: str, **arguments: Any) -> None:
    """Run job NAME now (no Redis) or hand it to the RQ workers (REDIS_URL set)."""
    if name not in _registry:
        raise KeyError(f"unknown job {name!r}")
    if current_app.config["REDIS_URL"]:
        queue().enqueue("forum.jobs.run", name, arguments, job_timeout=600)
    else:
        run(name, arguments)


def run(name: str, arguments: dict[str, Any]) -> Any:
    """What a worker executes: the job inside an application context."""
    if has_app_context():
        return _registry[name](**arguments)
    app = forum.create_app()
    with app.app_context():
        return _registry[name](**arguments)
