"""Sample building registry for the demo (``samples=True`` only: ``seed-demo``, ``load-reference --samples``,
the test fixtures): a small registry over the demo leases' buildings (counter/leases/demo.py) that shows
every category of the coverage report once the demo leases are filed, and one demo lease on an old-format
(UUID) building code. Invented data; its version's provenance is ``sample``."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from counter.extensions import db
from counter.streets.models import Street

ROADS = ["福华路", "彩田路", "莲花路", "红荔路", "深南大道", "华强北路", "沙嘴路", "梅林路", "香梅路", "福民路"]  # as leases/demo.py
OLD_BUILDING = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"  # an old-format building code (UUID)


def _lease_place(i: int, street: Street) -> tuple[str, str, str]:
    """(building code, house code, address) of demo lease ``i`` (counter.leases.demo.seed_demo_leases)."""
    building = f"440304{street.code[-3:]}{i:010d}"
    return building, f"{building}{i + 1:06d}", f"深圳市福田区{street.name_zh}街道{ROADS[i % 10]}{10 + i}号{chr(65 + i % 5)}栋"


def sample_rows(streets: list[Street]) -> list[tuple[int, dict]]:
    rows: list[dict] = []
    n = len(streets)
    for i in range(20):
        street = streets[i % n]
        building, house, address = _lease_place(i, street)
        community = f"{street.code}{(i // n) + 1:03d}"
        if i == 10:
            continue  # 租有建无: demo lease 11's building is not in the registry
        row = dict(building_code=building, house_code=house, address=address, street=street.code,
                   community=community, design_use="residential", floor_area=f"{45 + i * 7.5:.2f}")
        if i == 0:
            row["address"] = address.replace("栋", "座")  # the filing's address differs from the registry's
        if i == 1:
            row["street"] = streets[2].code  # the registry puts the unit in another street
            row["community"] = f"{streets[2].code}001"
        if i == 11:
            row["house_code"] = f"{building}{99:06d}"  # the building is listed, lease 12's unit is not
        rows.append(row)
        # 建有租无: two more units of the building, never filed
        for unit in (201, 202):
            rows.append(dict(row, house_code=f"{building}{unit:06d}", floor_area="60.00",
                             street=row["street"], community=row["community"]))
    # a building listed without house codes (the building is the unit), never filed; and the old UUID building
    for k, street in enumerate(streets[:3]):
        rows.append(dict(building_code=f"440304{street.code[-3:]}{900 + k:010d}", house_code="",
                         address=f"深圳市福田区{street.name_zh}街道样例路{k + 1}号", street=street.code,
                         community=f"{street.code}002", design_use="office", floor_area="1200.00"))
    rows.append(dict(building_code=OLD_BUILDING, house_code="", address=f"深圳市福田区{streets[0].name_zh}街道旧村{1}号",
                     street=streets[0].code, community=f"{streets[0].code}001", design_use="residential",
                     floor_area="300.00"))
    return [(line, r) for line, r in enumerate(rows, start=2)]


def load_sample_registry(samples: bool = False) -> None:
    """The sample registry as version 1, when asked for samples and no registry is on record."""
    if not samples:
        return
    from counter.registry.importer import import_rows
    from counter.registry.models import RegistryImport

    from sqlalchemy import inspect

    if not inspect(db.session.connection()).has_table("registry_import"):
        return  # a database at an older revision (the migration tests load the reference data there)
    if db.session.scalar(select(RegistryImport.id).limit(1)) is not None:
        return
    streets = list(db.session.scalars(select(Street).order_by(Street.code)))
    if not streets:
        return
    import_rows(sample_rows(streets), file_name="sample-registry.csv", encoding="utf-8", provenance="sample",
                imported_by="sample")


def seed_old_code_lease() -> None:
    """One demo lease on the old-format building (no house code), for the report's old-code list."""
    from counter.core.timeutil import business_today
    from counter.leases.idnumbers import make_resident_id
    from counter.leases.services import LeaseInput, PartyInput, register_lease

    street = db.session.scalars(select(Street).order_by(Street.code)).first()
    start = business_today() - timedelta(days=40)
    register_lease(LeaseInput(
        street_id=street.id, building_code=OLD_BUILDING, address=f"深圳市福田区{street.name_zh}街道旧村1号",
        room="3", floor_area_centi=8000, design_use="residential", lease_use="residential",
        rented_area_centi=8000, signing_date=start - timedelta(days=2), start_date=start,
        end_date=start.replace(year=start.year + 1) - timedelta(days=1), monthly_rent_fen=180000, deposit_fen=180000,
        parties=[PartyInput(role="landlord", name="周建国", id_type="resident_id",
                            id_number=make_resident_id("44030419650302123")),
                 PartyInput(role="tenant", name="吴小红", id_type="resident_id",
                            id_number=make_resident_id("44030419900715456"))],
        external_ref="demo-old-code"))
