"""Fixtures of the document tests: leases made with the lease service, receipts with the collection service,
and helpers that read PDFs back (poppler-utils, zbar-tools)."""
from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

HAVE_TOOLS = all(shutil.which(t) for t in ("pdftotext", "pdftoppm", "zbarimg"))
needs_tools = pytest.mark.skipif(not HAVE_TOOLS, reason="poppler-utils and zbar-tools are needed")

_houses = itertools.count(101)


def make_lease(street_id: int, *, tenant="李娜", tenants=None, has_title=True, use="residential", days_ago=10,
               years=1):
    from counter.core.timeutil import business_today
    from counter.leases.idnumbers import make_resident_id
    from counter.leases.services import LeaseInput, PartyInput, register_lease

    n = next(_houses)
    house = f"44030400{street_id:02d}00000000010{n:04d}"[:25]
    start = business_today() - timedelta(days=days_ago)
    end = start.replace(year=start.year + years) - timedelta(days=1)
    names = tenants or [tenant]
    parties = [PartyInput("landlord", "王建国", "resident_id", make_resident_id(f"44030419800101{n % 1000:03d}"),
                          phone="13800138000")]
    for i, name in enumerate(names):
        parties.append(PartyInput("tenant", name, "resident_id", make_resident_id(f"4403041990010{i + 1}{n % 1000:03d}"),
                                  phone="13900139000"))
    data = LeaseInput(street_id=street_id, house_code=house, building_code=house[:19],
                      address="深圳市福田区南园街道福华路10号A栋", room=f"{n}室", floor_area_centi=8850,
                      design_use=use, has_title=has_title, lease_use=use, rented_area_centi=8850,
                      signing_date=start - timedelta(days=2), start_date=start, end_date=end,
                      monthly_rent_fen=450000, deposit_fen=900000, payment_cycle="monthly", parties=parties)
    return register_lease(data, confirm_overlap=True)


@pytest.fixture
def lease_factory(app):
    return make_lease


@pytest.fixture
def lease_a(streets, users):
    from counter.extensions import db

    lease = make_lease(streets[0].id)
    db.session.commit()
    return lease


def pdf_text(pdf: bytes, tmp: Path) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def zbar(pdf: bytes, tmp: Path, page: int = 1, dpi: int = 300) -> list[tuple[str, str]]:
    path = tmp / "scan.pdf"
    path.write_bytes(pdf)
    prefix = tmp / "scan"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile", str(path),
                    str(prefix)], check=True)
    res = subprocess.run(["zbarimg", "-q", str(prefix) + ".png"], capture_output=True)
    out = []
    for line in res.stdout.decode("utf-8").splitlines():
        kind, _, data = line.partition(":")
        out.append((kind, data))
    return out


def pdf_pages(pdf: bytes, tmp: Path) -> int:
    path = tmp / "pages.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
