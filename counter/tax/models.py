"""Rate schedule versions (税率表版本), guidance rents (指导租金) and stored assessments (计税记录).

* :class:`RateScheduleVersion`: one version of a rate schedule, the schedule itself as JSON
  (``fees.RateSchedule.to_dict()``). Status ``draft`` -> ``active`` -> ``retired``. Only drafts can
  change: a database trigger (migration 0003) refuses any change of the content of an active or
  retired version, any status change other than active -> retired, and deleting a non-draft
  version. Assessments only ever use active versions (checked by
  :func:`counter.tax.services.record_assessment`), so a version that has been used is frozen.
* :class:`GuidanceRent`: yuan per m² per month, stored as integer fen, by street code and use.
* :class:`AssessmentRecord`: the snapshot of one assessment (facts, ``Assessment.to_dict()``, the
  schedule versions used, the repair costs entered and carried). Append-only (database triggers),
  street-owned.

Provenance (migration 0009): schedule versions and guidance rents carry ``provenance`` (``sample`` |
``confirmed``) and ``legal_source`` (document numbers and dates); the database refuses a confirmed row
without a source. ``sample`` is the legacy flag (``provenance`` decides). Production refuses to collect
on sample data (:func:`counter.tax.services.sample_refusal`).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.core.db import StreetScoped, UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db

SCHEDULE_STATUSES = ("draft", "active", "retired")
PROVENANCES = ("sample", "confirmed")
_PROVENANCE_KNOWN = "provenance IN ('sample', 'confirmed')"
_CONFIRMED_HAS_SOURCE = "provenance <> 'confirmed' OR (legal_source IS NOT NULL AND legal_source <> '')"


class RateScheduleVersion(db.Model):
    """税率表版本: one version of a rate schedule (district-wide reference data, not street-owned)."""

    __tablename__ = "rate_schedule_version"
    __table_args__ = (
        UniqueConstraint("schedule_id", "version"),
        CheckConstraint("status IN ('draft', 'active', 'retired')", name="status_known"),
        CheckConstraint("mode IN ('itemised', 'comprehensive')", name="mode_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(_PROVENANCE_KNOWN, name="provenance_known"),
        CheckConstraint(_CONFIRMED_HAS_SOURCE, name="confirmed_has_source"),
        # at most one active version per schedule id, on both databases
        Index("ix_rate_schedule_version_one_active", "schedule_id", unique=True,
              postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    title_en: Mapped[str] = mapped_column(String(200), nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)  # inclusive
    mode: Mapped[str] = mapped_column(String(16), nullable=False)
    sample: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # legacy: provenance decides
    provenance: Mapped[str] = mapped_column(String(16), nullable=False, default="sample", server_default="sample")
    legal_source: Mapped[str | None] = mapped_column(Text, nullable=True)  # "财税〔2016〕43号（2016-04-25）；..."
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    data: Mapped[dict] = mapped_column(JSON, nullable=False)  # fees.RateSchedule.to_dict()
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # why this version
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("rate_schedule_version.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False, default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # activated_at NULL on an active/retired version: shipped reference data, active since installation
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    activated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    based_on: Mapped["RateScheduleVersion | None"] = relationship(remote_side=[id])

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def title(self, locale: str) -> str:
        return self.title_en if locale.startswith("en") else self.title_zh

    @property
    def label(self) -> str:
        return f"{self.schedule_id} v{self.version}"

    @property
    def is_sample(self) -> bool:
        return self.provenance != "confirmed"

    def __repr__(self) -> str:
        return f"<RateScheduleVersion {self.schedule_id} v{self.version} {self.status}>"


class GuidanceRent(db.Model):
    """指导租金: the minimum taxable rent per m² per month for a street and use (reference data)."""

    __tablename__ = "guidance_rent"
    __table_args__ = (
        UniqueConstraint("street_code", "use", "effective_from"),
        CheckConstraint("fen_per_m2_month >= 0", name="amount_nonnegative"),
        CheckConstraint(_PROVENANCE_KNOWN, name="provenance_known"),
        CheckConstraint(_CONFIRMED_HAS_SOURCE, name="confirmed_has_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street_code: Mapped[str] = mapped_column(String(9), nullable=False, index=True)
    use: Mapped[str] = mapped_column(String(16), nullable=False)
    fen_per_m2_month: Mapped[int] = mapped_column(Integer, nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)  # inclusive
    sample: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # legacy: provenance decides
    provenance: Mapped[str] = mapped_column(String(16), nullable=False, default="sample", server_default="sample")
    legal_source: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def is_sample(self) -> bool:
        return self.provenance != "confirmed"


class AssessmentRecord(StreetScoped, db.Model):
    """计税记录: the stored snapshot of one assessment, explained years later from the snapshot alone.
    Append-only (database triggers)."""

    __tablename__ = "assessment_record"
    __table_args__ = (
        CheckConstraint("total_fen >= 0", name="total_nonnegative"),
        CheckConstraint("repair_cost_fen >= 0", name="repair_cost_nonnegative"),
        CheckConstraint("repair_carry_fen >= 0 AND repair_carry_fen <= repair_cost_fen", name="repair_carry_within_cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("lease.id"), nullable=True, index=True)
    assessed_on: Mapped[date] = mapped_column(Date, nullable=False)
    first_month: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM
    last_month: Mapped[str] = mapped_column(String(7), nullable=False)
    facts: Mapped[dict] = mapped_column(JSON, nullable=False)  # fees.LeaseFacts.to_dict()
    result: Mapped[dict] = mapped_column(JSON, nullable=False)  # fees.Assessment.to_dict()
    total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    schedules: Mapped[list] = mapped_column(JSON, nullable=False)  # [{"id", "version", "version_row_id"}]
    # 修缮费用 (individuals' income tax): entered by the clerk from the landlord's invoices (incl. what was
    # carried in), and what is left for the next assessment (at most ¥800 a month is deducted)
    repair_cost_fen: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    repair_carry_fen: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False, default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
