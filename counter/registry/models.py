"""The building registry: each import is a dated version (:class:`RegistryImport`) holding its units
(:class:`RegistryUnit`, one row of the file each). Both tables are append-only (migration 0017): a new
registry is a new version, the coverage report reads the latest one.

A unit is a house code (房屋代码, 25 characters) of a building (楼栋代码, 19 characters or an old UUID), or a
building without house codes (``house_code`` NULL: the building itself is the unit). Its street is stored
as given by the file (the current jurisdiction), never derived from the code (domain.md)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from counter.core.db import StreetScoped, UTCDateTime
from counter.core.timeutil import utcnow
from counter.extensions import db

COMMUNITY_MAX = 40
PROVENANCES = ("import", "sample")  # a file imported by `counter import-buildings`; the demo's sample


class RegistryImport(db.Model):
    """One version of the registry: a file imported on a date (district-wide reference data)."""

    __tablename__ = "registry_import"
    __table_args__ = (CheckConstraint("provenance IN ('import', 'sample')", name="provenance_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)  # 1, 2, ... (race: unique)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    encoding: Mapped[str] = mapped_column(String(16), nullable=False)  # utf-8 / gb18030
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)  # of the accepted rows, canonical
    units: Mapped[int] = mapped_column(Integer, nullable=False)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False)
    provenance: Mapped[str] = mapped_column(String(8), nullable=False, default="import")
    imported_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RegistryUnit(StreetScoped, db.Model):
    """楼栋/房屋 of the registry, in one version."""

    __tablename__ = "registry_unit"
    __table_args__ = (
        Index("ux_registry_unit_house", "version_id", "house_code", unique=True,
              postgresql_where=text("house_code IS NOT NULL"), sqlite_where=text("house_code IS NOT NULL")),
        Index("ux_registry_unit_building", "version_id", "building_code", unique=True,
              postgresql_where=text("house_code IS NULL"), sqlite_where=text("house_code IS NULL")),
        Index("ix_registry_unit_building_code", "version_id", "building_code"),
        Index("ix_registry_unit_street", "version_id", "street_id", "community"),
        CheckConstraint("floor_area_centi IS NULL OR floor_area_centi > 0", name="area_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("registry_import.id"), nullable=False)
    line: Mapped[int] = mapped_column(Integer, nullable=False)  # the file's line (header = 1)
    building_code: Mapped[str] = mapped_column(String(40), nullable=False)  # 楼栋代码
    house_code: Mapped[str | None] = mapped_column(String(25), nullable=True)  # 房屋代码
    address: Mapped[str] = mapped_column(String(100), nullable=False)  # 标准地址, as given
    address_norm: Mapped[str] = mapped_column(String(100), nullable=False)  # NFKC, no spaces, upper case
    community: Mapped[str] = mapped_column(String(COMMUNITY_MAX), nullable=False, default="")  # 社区 ('' = none)
    design_use: Mapped[str | None] = mapped_column(String(16), nullable=True)  # a lease-use code
    floor_area_centi: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 建筑面积, 0.01 m²
