from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from counter.extensions import db


class Street(db.Model):
    """街道: a street office of the district with its rental window (出租屋综合管理所)."""

    __tablename__ = "street"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True, nullable=False)  # 440304001
    short_code: Mapped[str] = mapped_column(String(8), unique=True, nullable=False)  # FT01, machine forms
    reg_prefix: Mapped[str] = mapped_column(String(4), nullable=False)  # 南, display forms
    name_zh: Mapped[str] = mapped_column(String(32), nullable=False)
    name_en: Mapped[str] = mapped_column(String(64), nullable=False)
    office_name_zh: Mapped[str] = mapped_column(String(64), nullable=False)
    window_address: Mapped[str] = mapped_column(String(200), nullable=False)
    window_phone: Mapped[str] = mapped_column(String(32), nullable=False)

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def __repr__(self) -> str:
        return f"<Street {self.code} {self.name_zh}>"
