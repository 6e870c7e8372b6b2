"""Demo leases for `make run`: about twenty filings across the streets, with valid-checksum ID numbers,
house codes, and one party with a rare character (𠮷) in the name."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from counter.core.timeutil import business_today
from counter.extensions import db
from counter.leases.idnumbers import make_credit_code, make_resident_id
from counter.leases.services import LeaseInput, PartyInput, register_lease
from counter.streets.models import Street

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞"]
ROADS = ["福华路", "彩田路", "莲花路", "红荔路", "深南大道", "华强北路", "沙嘴路", "梅林路", "香梅路", "福民路"]
USES = ["residential", "residential", "residential", "mixed", "commercial", "office", "residential", "dormitory"]


def _person_id(i: int) -> str:
    year = 1960 + (i * 7) % 40
    return make_resident_id(f"440304{year}{(i % 12) + 1:02d}{(i % 27) + 1:02d}{100 + i:03d}")


def seed_demo_leases() -> None:
    streets = db.session.scalars(select(Street).order_by(Street.code)).all()
    today = business_today()
    for i in range(20):
        street = streets[i % len(streets)]
        building = f"440304{street.code[-3:]}{i:010d}"  # 19 characters
        landlord_name = "深圳市福田区某某实业有限公司" if i % 7 == 3 else SURNAMES[i] + GIVEN[i]
        if i % 7 == 3:
            landlord = PartyInput(role="landlord", name=landlord_name, id_type="credit_code",
                                  id_number=make_credit_code(f"91440300MA5{i:06d}"))
        else:
            landlord = PartyInput(role="landlord", name=landlord_name, id_type="resident_id", id_number=_person_id(i),
                                  phone=f"1380013{i:04d}")
        tenant_name = "𠮷祥" if i == 5 else ("李堃" if i == 6 else SURNAMES[(i + 5) % 20] + GIVEN[(i + 9) % 20])
        tenants = [PartyInput(role="tenant", name=tenant_name, id_type="resident_id", id_number=_person_id(100 + i),
                              phone=f"1390013{i:04d}")]
        if i == 8:
            tenants.append(PartyInput(role="tenant", name="陈大文", id_type="hk_macau_permit", id_number="H12345678"))
        start = today - timedelta(days=30 * (i % 10))
        register_lease(LeaseInput(
            street_id=street.id, house_code=f"{building}{i + 1:06d}", building_code=building,
            address=f"深圳市福田区{street.name_zh}街道{ROADS[i % 10]}{10 + i}号{chr(65 + i % 5)}栋", room=f"{(i % 30) + 1}0{(i % 4) + 1}",
            floor_area_centi=4500 + i * 750, design_use=USES[i % 8], has_title=i % 4 != 1,
            lease_use=USES[i % 8], rented_area_centi=4500 + i * 750, signing_date=start - timedelta(days=3),
            start_date=start, end_date=start.replace(year=start.year + 1) - timedelta(days=1),
            monthly_rent_fen=(2500 + i * 350) * 100, deposit_fen=(2500 + i * 350) * 200,
            payment_cycle="monthly" if i % 3 else "quarterly", parties=[landlord, *tenants],
            external_ref=f"demo-{i + 1:02d}"))
