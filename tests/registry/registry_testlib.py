"""Known data for the registry tests: a registry file and filings on it, one of each coverage category."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from counter.core.timeutil import business_today
from counter.leases.idnumbers import make_resident_id
from counter.leases.services import LeaseInput, PartyInput, register_lease

HEADER = ["楼栋代码", "房屋代码", "标准地址", "街道", "社区", "设计用途", "建筑面积"]
B_A = "4403040010000000777"          # a building of street A (南园)
B_B = "4403040020000000888"          # a building of street B (园岭)
OLD = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
ADDR_A = "深圳市福田区南园街道福华路7号"
ADDR_B = "深圳市福田区园岭街道红荔路8号"


def registry_rows():
    """(street A: FT01 / 440304001, street B: FT02)."""
    return [
        [B_A, B_A + "000101", ADDR_A, "FT01", "440304001001", "住宅", "88.50"],   # filed, matches
        [B_A, B_A + "000102", ADDR_A, "FT01", "440304001001", "住宅", "70"],      # 建有租无
        [B_A, B_A + "000103", ADDR_A, "FT01", "440304001002", "residential", ""],  # filed, address differs
        [B_B, B_B + "000101", ADDR_B, "440304002", "440304002001", "商业", "120"],  # filed in street A: wrong street
        [B_B, B_B + "000102", ADDR_B, "FT02", "440304002001", "商业", "120"],     # 建有租无 (street B)
        [OLD, "", "深圳市福田区南园街道旧村1号", "FT01", "440304001001", "住宅", "300"],  # filed, old code
    ]


def registry_csv(rows=None, encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    w.writerows(registry_rows() if rows is None else rows)
    return buf.getvalue().encode(encoding)


def file_lease(street_id, *, house_code=None, building_code=None, address=ADDR_A, room="101", n=0, **overrides):
    start = business_today() - timedelta(days=10)
    values = dict(street_id=street_id, house_code=house_code,
                  building_code=building_code or (house_code[:19] if house_code else None),
                  address=address, room=room, floor_area_centi=8850, design_use="residential", has_title=True,
                  lease_use="residential", rented_area_centi=8850, signing_date=start - timedelta(days=2),
                  start_date=start, end_date=start.replace(year=start.year + 1) - timedelta(days=1),
                  monthly_rent_fen=450000, deposit_fen=0, payment_cycle="monthly",
                  parties=[PartyInput("landlord", "王伟", "resident_id", make_resident_id(f"440304198001011{n:02d}")),
                           PartyInput("tenant", "李娜", "resident_id", make_resident_id(f"440304199002154{n:02d}"))])
    values.update(overrides)
    return register_lease(LeaseInput(**values))


def file_known_leases(streets):
    """One filing per category (and one that matches): returns {name: lease}."""
    a = streets[0].id
    return {
        "ok": file_lease(a, house_code=B_A + "000101", n=1),
        "address": file_lease(a, house_code=B_A + "000103", address="深圳市福田区南园街道福华路9号", n=2),
        "street": file_lease(a, house_code=B_B + "000101", address=ADDR_B, n=3),
        "old_code": file_lease(a, building_code=OLD, address="深圳市福田区南园街道旧村1号", room="2", n=4),
        "missing": file_lease(a, house_code="4403040010000000999000101", address="深圳市福田区南园街道无名路1号", n=5),
        "missing_house": file_lease(a, house_code=B_A + "000199", address=ADDR_A, n=6),
        "expired": file_lease(a, house_code=B_A + "000102", n=7,
                              start_date=business_today() - timedelta(days=400),
                              signing_date=business_today() - timedelta(days=402),
                              end_date=business_today() - timedelta(days=40)),
    }
