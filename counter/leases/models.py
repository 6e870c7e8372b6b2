"""Properties (房屋), parties (当事人), leases (租赁合同备案) and their event history.

Areas are stored in hundredths of a square metre (integer) and money in fen (integer): both exact on
SQLite and PostgreSQL. ``area_m2`` / ``monthly_rent`` give ``Decimal`` views.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.core.db import StreetScoped, UTCDateTime
from counter.core.timeutil import business_today, utcnow
from counter.extensions import db

# Lease uses (租赁用途): the canonical codes are shared with fees/ (fees.uses).
LEASE_USES = ("residential", "mixed", "commercial", "office", "factory", "warehouse", "dormitory", "other")
PARTY_ROLES = ("landlord", "sublessor", "tenant", "agent")  # 出租人, 转租人, 承租人, 经纪机构
ID_TYPES = (
    "resident_id",        # 居民身份证 (18, or old 15 digits)
    "residence_permit",   # 港澳台居民居住证 (810000/820000/830000 + ...)
    "hk_macau_permit",    # 港澳居民来往内地通行证 (H/M + 8 or 10 digits)
    "taiwan_permit",      # 台湾居民来往大陆通行证 (8 digits; old 10 characters)
    "passport",           # 护照
    "foreigner_permanent",  # 外国人永久居留身份证
    "credit_code",        # 统一社会信用代码 (organizations)
)
LEASE_STATUSES = ("active", "terminated", "cancelled")  # expiry is derived from end_date
PAYMENT_CYCLES = ("monthly", "quarterly", "half_yearly", "yearly", "other")


ADDRESS_KEY_LENGTH = 260


def address_key(address: str | None, room: str | None) -> str:
    """The normalised key of a property without a house code: address and room, NFKC-folded (full-width
    digits and letters become ASCII), every space removed, letters upper-cased, joined by ``#``.
    ``福田区 福华路１号`` + ``101室`` and ``福田区福华路1号`` + `` 101室`` are one property."""
    import unicodedata

    def norm(value: str | None) -> str:
        return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()

    return f"{norm(address)}#{norm(room)}"[:ADDRESS_KEY_LENGTH]


def centi_to_m2(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


class Property(StreetScoped, db.Model):
    """房屋: a housing unit, identified by its 25-character house code (房屋代码) when it has one.

    The street is stored on its own (current jurisdiction) and never derived from the code: codes keep
    the street they were coded under (Fubao buildings carry Shatou's prefix)."""

    __tablename__ = "property"
    __table_args__ = (
        CheckConstraint("floor_area_centi >= 0", name="area_nonnegative"),
        Index("ix_property_street_address", "street_id", "address"),
        # one property per normalised address + room in a street, for properties without a house code
        # (those with one are unique by the code); migration 0007
        Index("ux_property_address_key", "street_id", "address_key", unique=True,
              postgresql_where=text("house_code IS NULL"), sqlite_where=text("house_code IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    house_code: Mapped[str | None] = mapped_column(String(25), unique=True, nullable=True)  # 房屋代码
    building_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)  # 楼栋代码 (19, or old UUID)
    address: Mapped[str] = mapped_column(String(200), nullable=False)  # 标准地址
    room: Mapped[str | None] = mapped_column(String(40), nullable=True)  # 房号
    address_key: Mapped[str | None] = mapped_column(String(ADDRESS_KEY_LENGTH), nullable=True)  # address_key()
    floor_area_centi: Mapped[int] = mapped_column(Integer, nullable=False)  # 建筑面积, 0.01 m²
    design_use: Mapped[str] = mapped_column(String(16), nullable=False)  # 设计用途 (a lease-use code)
    has_title: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)  # 有产权证 → 凭证, else 信息
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def floor_area_m2(self) -> Decimal:
        return centi_to_m2(self.floor_area_centi)

    @property
    def full_address(self) -> str:
        return f"{self.address}{self.room or ''}"


class Party(StreetScoped, db.Model):
    """当事人: a natural person or an organization, as registered at one street's window."""

    __tablename__ = "party"
    __table_args__ = (
        UniqueConstraint("street_id", "id_type", "id_number"),
        CheckConstraint("kind IN ('person', 'organization')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    id_type: Mapped[str] = mapped_column(String(24), nullable=False)
    id_number: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Lease(StreetScoped, db.Model):
    """租赁合同备案: one filed lease contract, with its registration number (登记备案号)."""

    __tablename__ = "lease"
    __table_args__ = (
        UniqueConstraint("street_id", "reg_year", "reg_seq"),
        CheckConstraint("monthly_rent_fen >= 0", name="rent_nonnegative"),
        CheckConstraint("deposit_fen >= 0", name="deposit_nonnegative"),
        CheckConstraint("end_date >= start_date", name="term_ordered"),
        CheckConstraint("status IN ('active', 'terminated', 'cancelled')", name="status_known"),
        CheckConstraint("landlord_kind IN ('individual', 'organization')", name="landlord_kind_known"),
        UniqueConstraint("street_id", "external_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), nullable=False, index=True)
    reg_year: Mapped[int] = mapped_column(Integer, nullable=False)
    reg_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    registration_number: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)  # 深福南租备〔2026〕第000123号
    registration_code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)  # FT01-2026-000123
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    lease_use: Mapped[str] = mapped_column(String(16), nullable=False)
    landlord_kind: Mapped[str] = mapped_column(String(16), nullable=False)  # individual / organization (tax)
    is_sublease: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # 转租
    rented_area_centi: Mapped[int] = mapped_column(Integer, nullable=False)
    signing_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)  # 签订日期
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    monthly_rent_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    deposit_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    payment_cycle: Mapped[str] = mapped_column(String(16), nullable=False, default="monthly")
    registered_on: Mapped[date] = mapped_column(Date, nullable=False, default=business_today, index=True)  # 备案日期
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    previous_lease_id: Mapped[int | None] = mapped_column(ForeignKey("lease.id"), nullable=True)  # 续租 of
    overlap_note: Mapped[str | None] = mapped_column(Text, nullable=True)  # recorded when overlap confirmed
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 解除 effective date
    end_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancelled_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 注销备案
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Natural key of a row brought in by `counter import-leases` (see counter/leases/importer.py).
    external_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)

    premises: Mapped[Property] = relationship(lazy="joined")  # the rented property (房屋)
    parties: Mapped[list["LeaseParty"]] = relationship(back_populates="lease", order_by="LeaseParty.position",
                                                       cascade="all, delete-orphan")
    events: Mapped[list["LeaseEvent"]] = relationship(back_populates="lease", order_by="LeaseEvent.id")
    previous_lease: Mapped["Lease | None"] = relationship(remote_side=[id])

    @property
    def rented_area_m2(self) -> Decimal:
        return centi_to_m2(self.rented_area_centi)

    def effective_status(self, on: date | None = None) -> str:
        """active / expired / terminated / cancelled; expiry is derived from the end date."""
        if self.status != "active":
            return self.status
        return "expired" if self.end_date < (on or business_today()) else "active"

    def parties_in(self, *roles: str) -> list["LeaseParty"]:
        return [lp for lp in self.parties if lp.role in roles]

    @property
    def landlords(self) -> list["LeaseParty"]:
        return self.parties_in("landlord", "sublessor")

    @property
    def tenants(self) -> list["LeaseParty"]:
        return self.parties_in("tenant")


class LeaseParty(StreetScoped, db.Model):
    """A party's role in a lease: 出租人, 转租人, 承租人 or 经纪机构."""

    __tablename__ = "lease_party"
    __table_args__ = (CheckConstraint("role IN ('landlord', 'sublessor', 'tenant', 'agent')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("lease.id"), nullable=False, index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    lease: Mapped[Lease] = relationship(back_populates="parties")
    party: Mapped[Party] = relationship(lazy="joined")


class LeaseEvent(StreetScoped, db.Model):
    """备案事件: one step of a lease's history (register, amend, renew, terminate, cancel, ...), with
    who, when, the reason and a snapshot of the lease before and after. Append-only."""

    __tablename__ = "lease_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("lease.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)  # the lease version after the event
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    business_date: Mapped[date] = mapped_column(Date, nullable=False, default=business_today)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    lease: Mapped[Lease] = relationship(back_populates="events")
