"""Keyset-free simple pagination for lists (page numbers; counts are capped for speed)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from counter.core.validation import clamp_page
from counter.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt, page=None, per_page: int = 25, count_cap: int = 10_000) -> Page:
    """One page of ``stmt``. ``page`` defaults to the request's ``?page=``; any value is clamped to
    1..PAGE_MAX (:func:`counter.core.validation.clamp_page`), so no page number reaches the database
    as an overflowing offset."""
    if page is None:
        from flask import has_request_context, request

        page = request.args.get("page") if has_request_context() else 1
    page = clamp_page(page)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    capped = select(func.count()).select_from(stmt.order_by(None).limit(count_cap).subquery())
    total = db.session.scalar(capped) or 0
    return Page(items=items, page=page, per_page=per_page, total=total)
