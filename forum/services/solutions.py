"""Solved threads: the reply that answered the question, shown right under it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, or_

from forum import policy
from forum.errors import InvalidInput
from forum.extensions import db
from forum.models import Post, Thread, ThreadSolution, User
from forum.models.base import utcnow
from forum.services import notifications, posting


def set_solution(actor: User, thread: Thread, post: Post | None) -> None:
    """Mark POST as THREAD's solution (replacing any other), or unmark it (POST None).
    The thread's author or a moderator; a reply, never the question itself."""
    if post is None:
        policy.require(policy.can_choose_solution(actor, thread))
        db.session.execute(delete(ThreadSolution).where(ThreadSolution.thread_id == thread.id))
        db.session.commit()
        return
    policy.require(policy.can_mark_solution(actor, thread, post))
    if posting.first_post_id(thread) == post.id:
        raise InvalidInput("post_id", _("La question elle-même ne peut pas être sa solution."))
    # The thread's former solution goes; so does the row of a reply that was another thread's
    # solution before a moderator moved it here (a split).
    db.session.execute(
        delete(ThreadSolution).where(
            or_(ThreadSolution.thread_id == thread.id, ThreadSolution.post_id == post.id)
        )
    )
    db.session.add(ThreadSolution(thread_id=thread.id, post_id=post.id, marked_at=utcnow()))
    if post.author is not None and post.author_id != actor.id:
        notifications.tell([post.author], "solution", post=post, by=actor)
    db.session.commit()
    db.session.expire(thread, ["solution"])


def solution_of(reader: User | None, thread: Thread) -> Post | None:
    """THREAD's solution, if READER may read it and it is still in the thread."""
    solution = thread.solution
    if solution is None or solution.post.thread_id != thread.id:
        return None
    return solution.post if policy.can_read_post(reader, solution.post) else None
