import pytest
import sqlalchemy as sa

from tracker.core.errors import InvalidInput
from tracker.events.models import Event
from tracker.geo.models import Unit
from tracker.geo.operations import import_units
from tracker.geo.queries import get_unit, villages_under

CSV = """code,name,level,parent_code,population
66,Tỉnh Đắk Lắk,province,,
66001,Xã Ea Kao,commune,66,3000
6600101,Buôn Ko Tam,village,66001,1200
6600102,Thôn Điện Tân,village,66001,1800
66002,Phường Tân An,commune,66,
6600201,Tổ dân phố 5,village,66002,900
"""


def _all_units(db):
    return {u.code: (u.name, u.level.value, u.parent_code, u.population, u.path)
            for u in db.session.scalars(sa.select(Unit))}


def test_import_creates_the_tree_with_paths(db):
    assert import_units(CSV, user=None) == {"created": 6, "updated": 0}
    db.session.commit()
    units = _all_units(db)
    assert units["6600101"] == ("Buôn Ko Tam", "village", "66001", 1200, "/66/66001/6600101/")
    assert units["66"] == ("Tỉnh Đắk Lắk", "province", None, None, "/66/")


def test_import_twice_changes_nothing(db, count_events):
    import_units(CSV, user=None)
    db.session.commit()
    before = _all_units(db)
    assert import_units(CSV, user=None) == {"created": 0, "updated": 0}
    db.session.commit()
    assert _all_units(db) == before
    assert count_events("unit.imported") == 2


def test_reimport_updates_names_and_population_without_duplicates(db):
    import_units(CSV, user=None)
    changed = CSV.replace("Xã Ea Kao,commune,66,3000", "Xã Ea Kao mới,commune,66,3100")
    assert import_units(changed, user=None) == {"created": 0, "updated": 1}
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 6
    assert get_unit("66001").name == "Xã Ea Kao mới"
    assert get_unit("66001").population == 3100


def test_reparenting_a_commune_moves_its_villages(db):
    import_units(CSV + "67,Tỉnh Khánh Hòa,province,,\n", user=None)
    db.session.commit()
    import_units("code,name,level,parent_code,population\n66001,Xã Ea Kao,commune,67,3000\n", user=None)
    db.session.commit()
    db.session.expire_all()
    assert get_unit("6600101").path == "/67/66001/6600101/"
    assert [u.code for u in db.session.scalars(villages_under(get_unit("67")))] == ["6600101", "6600102"]


def test_bom_and_crlf_are_accepted(db):
    data = ("\ufeff" + CSV.replace("\n", "\r\n")).encode("utf-8")
    assert import_units(data, user=None)["created"] == 6
    assert get_unit("6600201").name == "Tổ dân phố 5"


@pytest.mark.parametrize(("row", "message_part"), [
    ("6600103,Thôn Mới,village,99999,100", "Unknown parent code 99999"),
    ("6600103,Thôn Mới,village,66,100", "must be a commune / ward"),
    ("6600103,,village,66001,100", "name"),
    ("6600103,Thôn Mới,hamlet,66001,100", "level"),
    ("6600103,Thôn Mới,village,66001,-5", "population"),
    ("6600103,Thôn Mới,village,66001,many", "population"),
    ("66 001,Thôn Mới,village,66001,1", "code"),
    ("6600101,Buôn Ko Tam lặp,village,66001,1", "repeats line 4"),
    ("6600104,Thôn Mới,village,,1", "parent_code"),
])
def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(db, row, message_part):
    with pytest.raises(InvalidInput) as caught:
        import_units(CSV + row + "\n", user=None)
    db.session.rollback()
    assert list(caught.value.fields) == ["line 8"]
    assert message_part in str(caught.value.fields["line 8"])
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


def test_changing_the_level_of_a_stored_unit_is_refused(db):
    import_units(CSV, user=None)
    db.session.commit()
    with pytest.raises(InvalidInput) as caught:
        import_units("code,name,level,parent_code,population\n66001,Ea Kao,province,,\n", user=None)
    assert "already a commune / ward" in str(caught.value.fields["line 2"])


def test_missing_header_columns_are_reported(db):
    with pytest.raises(InvalidInput) as caught:
        import_units("code,name,level\n66,Đắk Lắk,province\n", user=None)
    assert "parent_code" in str(caught.value.fields["line 1"])


def test_non_utf8_file_is_refused(db):
    with pytest.raises(InvalidInput, match="UTF-8"):
        import_units(
            "code,name,level,parent_code,population\n66,Đắc Lắc,province,,\n".encode("latin-1", errors="ignore") + b"\xff\xfe", user=None)


def test_the_import_event_belongs_to_the_common_root(db):
    import_units(CSV, user=None)
    event = db.session.scalar(sa.select(Event))
    assert (event.type, event.unit.code, event.payload) == (
        "unit.imported", "66", {"created": 6, "updated": 0, "rows": 6})


def test_an_admin_cannot_import_outside_their_province(db, tree, create_user):
    admin = create_user("admin", tree["province"])
    with pytest.raises(InvalidInput) as caught:
        import_units("code,name,level,parent_code,population\n67,Khánh Hòa,province,,\n"
                     "67001,Xã Mới,commune,67,\n", user=admin)
    assert set(caught.value.fields) == {"line 2", "line 3"}
    result = import_units("code,name,level,parent_code,population\n6600103,Buôn Mới,village,66001,50\n",
                          user=admin)
    assert result == {"created": 1, "updated": 0}


def test_ancestor_paths():
    from tracker.geo.models import ancestor_paths
    assert ancestor_paths("/66/66001/6600101/") == ["/66/", "/66/66001/"]
    assert ancestor_paths("/66/") == []


def test_codes_with_like_wildcards_do_not_leak_campaigns(db, create_unit, create_user, create_campaign):
    from tracker.campaigns.queries import campaigns_for
    wild = create_unit("6_", "Tỉnh có mã lạ", "province")
    plain = create_unit("6A", "Tỉnh khác", "province")
    commune = create_unit("6A001", "Xã thường", "commune", plain)
    create_campaign(unit=wild, name="Chiến dịch tỉnh mã lạ")
    mine = create_campaign(unit=plain, name="Chiến dịch của tôi")
    assert campaigns_for(create_user("coordinator", commune)) == [mine]
