"""Street isolation, enforced in one place.

Every ORM SELECT that loads a :class:`~counter.core.db.StreetScoped` class gets ``street_id IN (<the
user's streets>)`` added by a ``do_orm_execute`` hook (``with_loader_criteria``), including
``session.get()``, relationship loads and joins. A clerk of street A therefore cannot load street B's
rows by any URL or id: the row simply does not exist for them, and views answer 404.

The scope is a context variable set per request from the logged-in user:
- ``None``: unrestricted (district admin, CLI commands, tests of services);
- a tuple of street ids: the user's street(s); an empty tuple for anonymous visitors.
Code that must read across streets on purpose (public verification of a printed proof, ledger
verification) wraps itself in :func:`unrestricted`, which makes the exception visible in the code.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.orm import Session, with_loader_criteria

from counter.core.db import StreetScoped

_scope: ContextVar[tuple[int, ...] | None] = ContextVar("street_scope", default=None)


def current_scope() -> tuple[int, ...] | None:
    return _scope.get()


def set_scope(street_ids) -> object:
    """Set the scope; returns a token for :func:`reset_scope`."""
    return _scope.set(None if street_ids is None else tuple(street_ids))


def reset_scope(token) -> None:
    _scope.reset(token)


@contextmanager
def scoped_to(street_ids):
    token = set_scope(street_ids)
    try:
        yield
    finally:
        reset_scope(token)


@contextmanager
def unrestricted():
    """Read across all streets deliberately (public verification, ledger checks, statistics)."""
    token = _scope.set(None)
    try:
        yield
    finally:
        _scope.reset(token)


def can_see_street(street_id: int | None) -> bool:
    scope = _scope.get()
    return scope is None or street_id in scope


@event.listens_for(Session, "do_orm_execute")
def _restrict_to_street(execute_state) -> None:
    scope = _scope.get()
    if scope is None or not execute_state.is_select:
        return
    if execute_state.execution_options.get("skip_street_scope"):
        return
    allowed = list(scope)
    execute_state.statement = execute_state.statement.options(
        with_loader_criteria(
            StreetScoped,
            lambda cls: cls.street_id.in_(allowed),
            include_aliases=True,
        )
    )
