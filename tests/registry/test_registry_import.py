"""`counter import-buildings`: GBK and UTF-8, rejects with line and reason, unchanged re-runs, versions."""
from __future__ import annotations

import csv

from sqlalchemy import func, select

from counter.extensions import db
from counter.registry.models import RegistryImport, RegistryUnit

from registry_testlib import B_A, HEADER, registry_csv, registry_rows


def _units(version) -> int:
    return db.session.scalar(select(func.count(RegistryUnit.id)).where(RegistryUnit.version_id == version.id))


def _latest():
    return db.session.scalar(select(RegistryImport).order_by(RegistryImport.version.desc()).limit(1))


def test_gbk_import_rejects_rerun_and_second_version(app, streets, tmp_path):
    base = _latest()  # the fixtures' sample registry (version 1)
    rows = registry_rows() + [
        ["4403040010000000777X", B_A + "000104", "福华路7号", "FT01", "", "", ""],   # line 8: building code
        [B_A, "4403040010000000666000101", "福华路7号", "FT01", "", "", ""],         # line 9: not of the building
        [B_A, B_A + "000105", "", "FT01", "", "", ""],                               # line 10: no address
        [B_A, B_A + "000106", "福华路7号", "FT99", "", "", ""],                      # line 11: unknown street
        [B_A, B_A + "000101", "福华路7号", "FT01", "", "", ""],                      # line 12: house code again
        [B_A, B_A + "000107", "福华路7号", "FT01", "440304002001", "", ""],          # line 13: B's community
        [B_A, B_A + "000108", "福华路7号", "FT01", "", "城堡", ""],                   # line 14: design use
        [B_A, B_A + "000109", "福华路7号", "FT01", "", "", "-5"],                    # line 15: area
        [B_A, "", "福华路7号", "FT01", "", "", ""],                                  # line 16: listed both ways
        [B_A, B_A + "000110", "福华路\x077号", "FT01", "", "", ""],                 # line 17: a control character
    ]
    src, rejects = tmp_path / "registry-gbk.csv", tmp_path / "rejects.csv"
    src.write_bytes(registry_csv(rows, encoding="gbk"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-buildings", str(src), "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "version 2: 6 units, rejected 10" in result.output
    v2 = _latest()
    assert v2.version == base.version + 1 and v2.encoding == "gb18030" and v2.units == 6 and v2.rejected == 10
    assert _units(v2) == 6
    unit = db.session.scalar(select(RegistryUnit).where(RegistryUnit.version_id == v2.id,
                                                        RegistryUnit.house_code == B_A + "000101"))
    assert (unit.address, unit.community, unit.design_use, unit.floor_area_centi, unit.street_id) == \
        ("深圳市福田区南园街道福华路7号", "440304001001", "residential", 8850, streets[0].id)
    with open(rejects, encoding="utf-8-sig") as fh:
        rejected = list(csv.reader(fh))
    assert rejected[0][:3] == ["行号", "原因", HEADER[0]]  # the user's language (Chinese by default)
    lines = {int(r[0]): r[1] for r in rejected[1:]}
    assert sorted(lines) == list(range(8, 18))
    assert "楼栋代码" in lines[8] or "building_code" in lines[8]
    assert "house_code" in lines[9] and "house_code" in lines[12] and "2" in lines[12]
    assert "address" in lines[10] and "FT99" in lines[11] and "community" in lines[13]
    assert "design_use" in lines[14] and "floor_area" in lines[15] and "building_code" in lines[16]
    assert "address" in lines[17]
    assert rejected[1][2] == "4403040010000000777X"  # the row itself is kept

    # the same file again: unchanged, nothing written
    again = runner.invoke(args=["import-buildings", str(src), "--rejects", str(rejects)])
    assert again.exit_code == 0 and "unchanged" in again.output, again.output
    assert _latest().id == v2.id and db.session.scalar(select(func.count(RegistryUnit.id))) == base.units + 6
    # the same registry in UTF-8 and another order: unchanged too
    utf8 = tmp_path / "registry-utf8.csv"
    utf8.write_bytes(registry_csv(list(reversed(registry_rows()))))
    assert "unchanged" in runner.invoke(args=["import-buildings", str(utf8)]).output
    # a changed registry: version 3, dated, the old version kept
    changed = registry_rows()[:-1] + [[B_A, B_A + "000120", "深圳市福田区南园街道福华路7号", "FT01", "", "", ""]]
    utf8.write_bytes(registry_csv(changed))
    result = runner.invoke(args=["import-buildings", str(utf8)])
    assert "version 3: 6 units, rejected 0" in result.output, result.output
    v3 = _latest()
    assert v3.encoding == "utf-8" and _units(v3) == 6 and _units(v2) == 6 and v3.business_date is not None
    assert not (tmp_path / "registry-utf8.rejects.csv").exists()


def test_import_rows_refuses_a_file_without_its_columns(app, streets, tmp_path):
    src = tmp_path / "x.csv"
    src.write_bytes("foo,bar\n1,2\n".encode())
    result = app.test_cli_runner().invoke(args=["import-buildings", str(src)])
    assert result.exit_code != 0 and "building_code" in result.output
    src.write_bytes(b"\xff\xfe\x00\x00garbage\x81")
    result = app.test_cli_runner().invoke(args=["import-buildings", str(src)])
    assert result.exit_code != 0
