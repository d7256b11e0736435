"""Background jobs: RQ workers on Redis when REDIS_URL is set, inline otherwise — same function.

`later` is for work a page must not wait for (mail): without Redis it runs once the response
has been sent, never inside the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, has_request_context
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


def _known(name: str) -> None:
    if name not in _registry:
        raise KeyError(f"unknown job {name!r}")


def enqueue(name: str, **arguments: Any) -> None:
    """Run job NAME now (no Redis) or hand it to the RQ workers (REDIS_URL set)."""
    _known(name)
    if current_app.config["REDIS_URL"]:
        queue().enqueue("forum.jobs.run", name, arguments, job_timeout=600)
    else:
        run(name, arguments)


def later(name: str, **arguments: Any) -> None:
    """Run job NAME outside the current request: on an RQ worker (REDIS_URL set), else once
    the response has been sent; outside a request (commands, jobs), now."""
    _known(name)
    if current_app.config["REDIS_URL"]:
        queue().enqueue("forum.jobs.run", name, arguments, job_timeout=600)
    elif has_request_context():
        g.setdefault("after_response_jobs", []).append((name, arguments))
    else:
        run(name, arguments)


def init_app(app: Flask) -> None:
    """Run the jobs a request put aside once its response has gone out (WSGI `close`)."""

    @app.after_request
    def run_after_response(response: Response) -> Response:
        pending = g.pop("after_response_jobs", None)
        if pending:
            application = current_app._get_current_object()  # type: ignore[attr-defined]
            response.call_on_close(lambda: _run_all(application, pending))
        return response


def _run_all(app: Flask, pending: list[tuple[str, dict[str, Any]]]) -> None:
    with app.app_context():
        for name, arguments in pending:
            try:
                run(name, arguments)
            except Exception:  # one failed job must not stop the others, nor the server
                log.exception("job %r failed", name)


def run(name: str, arguments: dict[str, Any]) -> Any:
    """What a worker executes: the job inside an application context."""
    if has_app_context():
        return _registry[name](**arguments)
    app = forum.create_app()
    with app.app_context():
        return _registry[name](**arguments)
