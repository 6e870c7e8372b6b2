"""Residence facts for school places (counter/leases/residence.py): the arithmetic on plain records, then a
renewal chain of real filings (3 leases with an amendment, a gap, another tenant) on both databases."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from counter.leases.residence import Stay, add_months, residence_chain, residence_from, whole_months

LI = ("resident_id", "110101199003077777")
WANG = ("resident_id", "110101198001011234")


@pytest.mark.parametrize("start,end,months", [
    (date(2024, 3, 15), date(2024, 3, 15), 0),
    (date(2024, 3, 15), date(2024, 4, 14), 0),
    (date(2024, 3, 15), date(2024, 4, 15), 1),
    (date(2024, 3, 15), date(2025, 3, 14), 11),
    (date(2024, 3, 15), date(2025, 3, 15), 12),
    (date(2024, 1, 31), date(2024, 2, 28), 0),   # 2024 is a leap year: 29 Feb completes the month
    (date(2024, 1, 31), date(2024, 2, 29), 1),
    (date(2023, 1, 31), date(2023, 2, 28), 1),
    (date(2024, 5, 1), date(2024, 4, 30), 0),    # before the start
])
def test_whole_months_worked_by_hand(start, end, months):
    assert whole_months(start, end) == months


def test_add_months_clamps_to_the_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)


def _stay(i, start, end, filed, tenants=(LI,), prev=None, cancelled=False, prop=1):
    return Stay(id=i, property_id=prop, tenants=frozenset(tenants), registered_on=filed, start=start, end=end,
                previous_id=prev, cancelled=cancelled)


def test_chain_arithmetic_without_the_database():
    stays = [
        _stay(1, date(2020, 1, 1), date(2020, 12, 31), date(2019, 12, 20)),               # broken off by the gap
        _stay(2, date(2021, 1, 2), date(2021, 12, 31), date(2021, 1, 2)),                 # one day without a lease
        _stay(3, date(2022, 1, 1), date(2022, 12, 31), date(2022, 1, 5), prev=2),         # renewal, next day
        _stay(4, date(2023, 1, 1), date(2023, 12, 31), date(2022, 12, 28)),               # unlinked, next day
        _stay(5, date(2023, 6, 1), date(2024, 5, 31), date(2023, 6, 1), tenants=(WANG,)),  # another tenant
        _stay(6, date(2024, 1, 1), date(2024, 12, 31), date(2024, 1, 1), prev=4, cancelled=True),
    ]
    assert [s.id for s in residence_chain(stays, 4, LI)] == [2, 3, 4]
    r = residence_from(stays, 4, LI, as_of=date(2023, 7, 1))
    assert r.first_filing_date == date(2021, 1, 2) and r.start == date(2021, 1, 2)
    assert r.months == 29  # 2021-01-02 .. 2023-06-02 is 29 months; 2023-07-01 is before 07-02
    # counted no further than the residence's end
    assert residence_from(stays, 4, LI, as_of=date(2030, 1, 1)).months == whole_months(date(2021, 1, 2),
                                                                                          date(2023, 12, 31))
    assert residence_chain(stays, 5, WANG)[0].id == 5 and len(residence_chain(stays, 5, WANG)) == 1
    assert residence_chain(stays, 5, LI) == []          # not a tenant of that filing
    assert residence_chain(stays, 6, LI) == []          # a cancelled filing proves nothing
    # a cancelled predecessor breaks the chain
    stays[1] = _stay(2, date(2021, 1, 2), date(2021, 12, 31), date(2021, 1, 2), cancelled=True)
    assert [s.id for s in residence_chain(stays, 4, LI)] == [3, 4]


# ------------------------------------------------------------------------------------- real filings

def _input(street_id, start, end, tenant_name, tenant_id, house="4403040010000000001000777"):
    from counter.leases.services import LeaseInput, PartyInput

    from counter.leases.idnumbers import make_resident_id

    parties = [PartyInput("landlord", "王建国", "resident_id", make_resident_id("44030419800101001"), phone="13800138000"),
               PartyInput("tenant", tenant_name, "resident_id", tenant_id, phone="13900139000")]
    return LeaseInput(street_id=street_id, house_code=house, building_code=house[:19],
                      address="深圳市福田区南园街道福华路10号A栋", room="777室", floor_area_centi=8850,
                      design_use="residential", has_title=True, lease_use="residential", rented_area_centi=8850,
                      signing_date=start - timedelta(days=2), start_date=start, end_date=end,
                      monthly_rent_fen=450000, deposit_fen=0, payment_cycle="monthly", parties=parties)


def _filed(lease, day):
    from counter.extensions import db

    lease.registered_on = day  # the office filed it back then
    db.session.flush()
    return lease


def test_renewal_chain_of_real_filings(app, streets, users):
    from counter.extensions import db
    from counter.leases.residence import residence_of, residences
    from counter.leases.services import amend_lease, register_lease, renew_lease

    from counter.leases.idnumbers import make_resident_id

    sid, li = streets[0].id, make_resident_id("11010119900307777")
    first = _filed(register_lease(_input(sid, date(2021, 3, 1), date(2022, 2, 28), "李娜", li),
                                  confirm_overlap=True), date(2021, 3, 3))
    second = _filed(renew_lease(first, _input(sid, date(2022, 3, 1), date(2023, 2, 28), "李娜", li), "续租"),
                    date(2022, 2, 20))
    amend_lease(second, {"monthly_rent_fen": 480000, "end_date": date(2023, 3, 31)}, "租金调整，延长一个月")
    third = _filed(renew_lease(second, _input(sid, date(2023, 4, 1), date(2024, 3, 31), "李娜", li), "续租"),
                   date(2023, 3, 25))
    db.session.commit()
    party = third.tenants[0].party
    r = residence_of(third, party, as_of=date(2023, 9, 2))
    assert r.lease_ids == (first.id, second.id, third.id)
    assert r.first_filing_date == date(2021, 3, 3)      # renewals and the amendment do not restart it
    assert r.months == 29                               # 2021-03-03 .. 2023-08-03 complete; 09-03 not yet

    # a renewal after a gap starts a new residence
    fourth = _filed(renew_lease(third, _input(sid, date(2024, 4, 3), date(2025, 4, 2), "李娜", li), "续租"),
                    date(2024, 4, 3))
    # a different tenant at the same address, filed as a renewal
    other = _filed(renew_lease(fourth, _input(sid, date(2025, 4, 3), date(2026, 4, 2), "张伟", make_resident_id("11010119950505123")),
                               "换租"), date(2025, 4, 1))
    db.session.commit()
    r4 = residence_of(fourth, fourth.tenants[0].party, as_of=date(2024, 6, 3))
    assert r4.lease_ids == (fourth.id,) and r4.first_filing_date == date(2024, 4, 3) and r4.months == 2
    [(lp, r5)] = residences(other, as_of=date(2025, 5, 1))
    assert lp.party.name == "张伟" and r5.lease_ids == (other.id,) and r5.first_filing_date == date(2025, 4, 1)

    # the slip of the third filing says the same: first filing date, and months up to its end (expired)
    import re
    import shutil
    import subprocess

    from counter.documents.services import print_info_slip

    printed = print_info_slip(third, third.tenants[0].party_id, "学位申请", "A4")
    db.session.commit()
    if shutil.which("pdftotext"):
        text = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=printed.pdf,
                                                 capture_output=True, check=True).stdout.decode("utf-8"))
        assert "首次登记备案日期2021年3月3日" in text
        assert "（连续居住36个月，截至2024年3月31日）" in text


def test_lease_page_shows_the_residence_up_to_a_date(app, streets, users, login):
    from counter.extensions import db
    from counter.leases.idnumbers import make_resident_id
    from counter.leases.services import register_lease, renew_lease

    sid, li = streets[0].id, make_resident_id("11010119900307777")
    first = _filed(register_lease(_input(sid, date(2025, 3, 1), date(2026, 2, 28), "李娜", li), confirm_overlap=True),
                   date(2025, 3, 3))
    second = _filed(renew_lease(first, _input(sid, date(2026, 3, 1), date(2027, 2, 28), "李娜", li), "续租"),
                    date(2026, 2, 20))
    db.session.commit()
    c = app.test_client()
    login(c, "clerk_a")
    html = c.get(f"/leases/{second.id}?on=2026-09-03").get_data(as_text=True)
    assert "2025年3月3日" in html and '<td class="num">18 ' in html   # 2025-03-03 .. 2026-09-03: 18 months
    assert c.get(f"/leases/{second.id}?on=2026-02-30").status_code == 422
    assert c.get(f"/leases/{second.id}").status_code == 200
