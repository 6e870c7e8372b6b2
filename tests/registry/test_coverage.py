"""The coverage report on known data: each category, street isolation, the page, the exports."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from counter.extensions import db
from counter.registry import services

from registry_testlib import B_A, B_B, OLD, file_known_leases, registry_csv


def _import(app, tmp_path):
    src = tmp_path / "registry.csv"
    src.write_bytes(registry_csv(encoding="gbk"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["import-buildings", str(src)])
    assert result.exit_code == 0, result.output


def _codes(category, **filters):
    items = db.session.scalars(services.listing(category, services.Filters(**filters))).unique().all()
    if category == "unfiled":
        return sorted(u.house_code or u.building_code for u in items)
    return sorted(x.premises.house_code or x.premises.building_code for x in items)


def test_each_category_on_known_data(app, streets, tmp_path):
    _import(app, tmp_path)
    leases = file_known_leases(streets)
    db.session.commit()
    a, b = streets[0].id, streets[1].id
    assert _codes("unfiled") == [B_A + "000102", B_B + "000102"]  # the expired filing does not count
    assert _codes("missing") == sorted(["4403040010000000999000101", B_A + "000199"])
    assert _codes("address") == [B_A + "000103"]
    assert _codes("street") == [B_B + "000101"]
    assert _codes("old_code") == [OLD]
    cov = services.coverage()
    assert cov.totals == {"unfiled": 2, "missing": 2, "address": 1, "street": 1, "old_code": 1}
    by = {(r.street.id, r.community): r.counts for r in cov.rows}
    assert by[(a, "440304001001")]["unfiled"] == 1 and by[(a, "440304001001")]["old_code"] == 1
    assert by[(a, "440304001002")]["address"] == 1
    assert by[(a, "")]["missing"] == 2
    assert by[(a, "440304002001")]["street"] == 1  # the filing's street, the registry's community
    assert by[(b, "440304002001")]["unfiled"] == 1
    # filters: street and community ("~": none)
    assert _codes("unfiled", street_id=b) == [B_B + "000102"]
    assert _codes("missing", community=services.NO_COMMUNITY) == _codes("missing")
    assert services.coverage(services.Filters(community="440304001002")).totals["address"] == 1
    # the street scope applies to the lists, their counts and the totals (the one place of isolation)
    from counter.core.pagination import paginate
    from counter.core.scoping import scoped_to

    with scoped_to((b,)):
        assert paginate(services.listing("unfiled"), 1).total == 1
        assert paginate(services.listing("missing"), 1).total == 0
        assert services.coverage().totals == {"unfiled": 1, "missing": 0, "address": 0, "street": 0, "old_code": 0}
    with scoped_to((a,)):
        assert services.coverage().totals == {"unfiled": 1, "missing": 2, "address": 1, "street": 1, "old_code": 1}
    # why a filing is missing: its building is not in the registry / its house code is not
    facts = services.units_for([leases["missing"], leases["missing_house"], leases["street"]])
    assert services.missing_reason(leases["missing"], facts[leases["missing"].id]) == "building"
    assert services.missing_reason(leases["missing_house"], facts[leases["missing_house"].id]) == "house"
    assert facts[leases["street"].id].street_id == b


def test_page_access_and_isolation(app, streets, users, login, tmp_path):
    _import(app, tmp_path)
    file_known_leases(streets)
    db.session.commit()
    clients = {}
    for name in ("admin", "supervisor_a", "finance_a", "supervisor_b", "clerk_a"):
        clients[name] = c = app.test_client()
        login(c, name)
    assert clients["clerk_a"].get("/reports/coverage").status_code == 403
    admin = clients["admin"].get("/reports/coverage?category=unfiled").get_data(as_text=True)
    assert B_A + "000102" in admin and B_B + "000102" in admin
    sup_a = clients["supervisor_a"].get("/reports/coverage?category=unfiled").get_data(as_text=True)
    assert B_A + "000102" in sup_a and B_B + "000102" not in sup_a
    sup_b = clients["supervisor_b"].get("/reports/coverage?category=missing")
    assert sup_b.status_code == 200
    text = sup_b.get_data(as_text=True)
    assert "4403040010000000999000101" not in text and B_A + "000199" not in text  # street A's filings
    # another street's supervisor cannot widen the scope with ?street=
    text = clients["supervisor_b"].get(f"/reports/coverage?category=address&street={streets[0].id}").get_data(as_text=True)
    assert B_A + "000103" not in text
    fin = clients["finance_a"].get("/reports/coverage?category=street").get_data(as_text=True)
    assert B_B + "000101" in fin  # the filing is street A's; the registry's street is shown
    # bounded input: a too long community is a field error, nothing queried
    assert clients["admin"].get("/reports/coverage?community=" + "x" * 200).status_code == 422
    assert clients["admin"].get("/reports/coverage?category=nonsense").status_code == 422
    assert clients["admin"].get("/reports/coverage?category=unfiled&page=99999999999999999999").status_code == 200
    for blank in ("%20", "%0D%0A", "%E3%80%80"):  # blank values pass Optional(): no list, no 500
        assert clients["admin"].get(f"/reports/coverage/export.csv?category={blank}").status_code == 200
        assert 'id="coverage-list"' not in clients["admin"].get(f"/reports/coverage?category={blank}").get_data(as_text=True)


def test_exports(app, streets, users, login, tmp_path):
    _import(app, tmp_path)
    file_known_leases(streets)
    db.session.commit()
    c = app.test_client()
    login(c, "supervisor_a")
    resp = c.get("/reports/coverage/export.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    body = resp.get_data().decode("utf-8-sig")
    assert body.splitlines()[0].startswith("街道,社区")
    lines = body.strip().splitlines()
    assert {line.split(",")[0] for line in lines[1:-1]} == {"南园"}  # street A's supervisor: street A only
    assert lines[-1].split(",")[2:] == ["1", "2", "1", "1", "1"]  # street A's totals
    resp = c.get("/reports/coverage/export.xlsx?category=missing")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.get_data())).active
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert len(values) == 3 and {values[1][2], values[2][2]} == {"4403040010000000999000101", B_A + "000199"}
    assert {values[1][9], values[2][9]} == {"楼栋不在楼栋库中", "房屋代码不在楼栋库中"}
    assert c.get("/reports/coverage/export.pdf").status_code == 404
