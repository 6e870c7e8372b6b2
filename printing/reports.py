"""Printable reports that are not registered documents (no number, no verification code): plain data in,
PDF out. Today: the annual report (年度工作报表), A4 landscape (``templates/print/annual_report.html``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from .render import get_renderer

__all__ = ["ReportMeta", "AnnualReportData", "render_annual_report_html", "render_annual_report"]


@dataclass(frozen=True)
class ReportMeta:
    office_name: str               # the street office; empty: the district's (the template names it)
    issued_at: date                # the business date it was printed
    printed_by: str = ""
    doc_number: str = ""           # reports carry no document number


@dataclass(frozen=True)
class AnnualReportData:
    """年度工作报表: one row per street, then the total; figures already formatted (yuan with two decimals,
    m² with two decimals); ``bars``: (street, share of the largest tax figure 0..100) for the chart."""
    meta: ReportMeta
    year: int
    valid_on: date
    scope_label: str                                          # 南园 (street names); empty: the district
    rows: Sequence[tuple[str, str, str, str, str, str, str, str, str]]
    # (street, filings, filed m², valid leases, valid m², tax yuan, slips, certificates, reprints)
    total: tuple[str, str, str, str, str, str, str, str, str]
    items: Sequence[tuple[str, str]]                          # (tax item, yuan)
    bars: Sequence[tuple[str, int, str]]                      # (street, percent 0..100, yuan)


def render_annual_report_html(data: AnnualReportData) -> str:
    return get_renderer().render_html("annual_report.html", d=data, meta=data.meta)


def render_annual_report(data: AnnualReportData) -> bytes:
    if not isinstance(data, AnnualReportData):
        raise TypeError(f"expected AnnualReportData, got {type(data).__name__}")
    return get_renderer().html_to_pdf(render_annual_report_html(data))
