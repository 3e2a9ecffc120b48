import sqlalchemy as sa

from tracker.geo.models import Unit


def test_units_import_command_is_idempotent(runner, db, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("\ufeffcode,name,level,parent_code,population\n66,Tỉnh Đắk Lắk,province,,\n"
                     "66001,Xã Ea Kao,commune,66,3000\n6600101,Buôn Ko Tam,village,66001,1200\n".encode())
    first = runner.invoke(args=["units", "import", str(path)])
    assert first.exit_code == 0 and "Units imported: 3 created, 0 updated." in first.output
    second = runner.invoke(args=["units", "import", str(path)])
    assert second.exit_code == 0 and "0 created, 0 updated" in second.output
    assert db.session.scalar(sa.select(Unit.name).where(Unit.code == "6600101")) == "Buôn Ko Tam"


def test_units_import_command_reports_lines_and_imports_nothing(runner, db, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("code,name,level,parent_code,population\n66,Tỉnh Đắk Lắk,province,,\n"
                    "66001,Xã Ea Kao,commune,66,lots\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 1
    assert "Some rows are not valid; nothing was imported." in result.output
    assert "line 3: population" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0
