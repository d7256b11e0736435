"""Background jobs: RQ workers on Redis when REDIS_URL is set, inline otherwise — same function.

`later` is for work a page must not wait for (mail): without Redis it is handed, once the
request's work is done, to one background thread of the process, so that neither the request
nor the thread that serves it ever waits on it.
"""

from __future__ import annotations

import atexit
import logging
import queue as queues
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, current_app, g, has_app_context, has_request_context

if TYPE_CHECKING:
    from rq import Queue

log = logging.getLogger(__name__)
QUEUE = "etabli"
_registry: dict[str, Callable[..., Any]] = {}
_app: Flask | None = None  # the application of this process, for RQ workers


def register(name: str, function: Callable[..., Any]) -> None:
    """Declare FUNCTION as the job NAME (done by `create_app`: a missing job is an error)."""
    _registry[name] = function


def queue() -> Queue:
    """The forum's RQ queue (RQ and Redis are imported only where REDIS_URL is set)."""
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def _known(name: str) -> None:
    if name not in _registry:
        raise KeyError(f"unknown job {name!r}")


def enqueue(name: str, **arguments: Any) -> Any:
    """Run job NAME now (no Redis: its result) or hand it to the RQ workers (REDIS_URL set)."""
    _known(name)
    if current_app.config["REDIS_URL"]:
        queue().enqueue("forum.jobs.run", name, arguments, job_timeout=600)
        return None
    return run(name, arguments)


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
    """Hand the jobs a request put aside to the background thread when its response is ready
    (not at WSGI `close`, which a server may skip when the client has already gone); and
    remember APP for the RQ worker this process may become (`flask jobs worker`)."""
    global _app
    _app = app

    @app.after_request
    def hand_over(response: Response) -> Response:
        pending = g.pop("after_response_jobs", None)
        if pending:
            _background().put((current_app._get_current_object(), pending))  # type: ignore[attr-defined]
        return response


_queue: queues.Queue[tuple[Flask, list[tuple[str, dict[str, Any]]]]] = queues.Queue()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def _background() -> queues.Queue:
    """The process's queue, its thread started on first use (after a server forks, not before)."""
    global _thread
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="etabli-jobs", daemon=True)
            _thread.start()
    return _queue


def _work() -> None:
    while True:
        app, pending = _queue.get()
        try:
            with app.app_context():
                for name, arguments in pending:
                    try:
                        run(name, arguments)
                    except Exception:  # one failed job must not stop the others
                        log.exception("job %r failed", name)
        finally:
            _queue.task_done()


def wait_until_idle(timeout: float = 30.0) -> bool:
    """Wait for the background thread to finish what it was given; False on TIMEOUT."""
    done = threading.Event()

    def join() -> None:
        _queue.join()
        done.set()

    threading.Thread(target=join, daemon=True).start()
    return done.wait(timeout)


atexit.register(wait_until_idle, 10.0)  # a server stopping sends what it still holds


def run(name: str, arguments: dict[str, Any]) -> Any:
    """What a worker executes: the job inside an application context."""
    if has_app_context():
        return _registry[name](**arguments)
    if _app is None:
        raise RuntimeError("start RQ workers with `flask --app forum jobs worker`")
    with _app.app_context():
        return _registry[name](**arguments)
