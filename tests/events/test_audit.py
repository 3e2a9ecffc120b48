"""The audit trail in words: titles, named values, names not ids, filters, paging, scope, queries."""
import html
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.events.test_webhooks_jobs import _recorded_types
from tracker.events import operations as events
from tracker.events import views


def fake(kind, id_=7):
    """A stand-in subject whose class name is the event's subject type (a HeldScan, a Digest …)."""
    return type(kind, (), {"id": id_})()


def text(response, start=None):
    """The page as a reader sees it (from the ``start`` markup on): tags dropped, entities decoded, spaces collapsed."""
    body = response.get_data(as_text=True)
    body = body[body.index(start):] if start else body
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).replace(" :", ":")


def listing(response):
    """The list of events alone (not the filter form, whose options name every type)."""
    return text(response, '<ul class="events">')


@pytest.fixture
def vi(client):
    with client.session_transaction() as session:
        session["lang"] = "vi"
    return client


@pytest.fixture
def world(db, tree, users, dummy_training, dummy_campaign, create_participant):
    """Everything a sample event names: units, users with names, a training, people."""
    users["coordinator"].full_name = "Y Khoa Niê"
    users["volunteer"].full_name = "H'Hen Mlô"
    dummy_training.title = "Dùng VNeID an toàn"
    other = create_participant(full_name="Trần Văn Bình")
    db.session.commit()
    return {"tree": tree, "users": users, "training": dummy_training, "campaign": dummy_campaign, "other": other}


def _at(days=0):
    return (datetime(2026, 12, 1, 3, 0, tzinfo=UTC) + timedelta(days=days)).isoformat()


#: Every type the code records: (type, subject, payload, who acted, what the Vietnamese page must say).
#: Subjects and payloads are built as the recording operation builds them.
SAMPLES = {
    "unit.imported": (lambda w: w["tree"]["province"], lambda w: {"created": 3, "updated": 1, "rows": 4}, "admin",
                      ["Nhập đơn vị hành chính", "Tạo mới: 3", "Số dòng: 4", "Tỉnh Đắk Lắk (66)"]),
    "campaign.created": (lambda w: w["campaign"], lambda w: {"name": "100 ngày cao điểm", "start_date": "2026-09-01",
                                                             "deadline": "2026-12-09", "target": 12000}, "admin",
                         ["Tạo chiến dịch", "Tên: 100 ngày cao điểm", "Ngày bắt đầu: 1/9/26", "Chỉ tiêu: 12.000"]),
    "campaign.updated": (lambda w: w["campaign"], lambda w: {"changed": ["deadline", "topics"]}, "admin",
                         ["Sửa chiến dịch", "Thay đổi: Hạn chót (ngày cuối), Chủ đề"]),
    "campaign.targets_set": (lambda w: w["campaign"], lambda w: {"units": 3, "rate": 0.3}, "admin",
                             ["Đặt chỉ tiêu", "Đơn vị hành chính: 3", "Tỷ lệ: 30,0 %"]),
    "training.scheduled": (lambda w: w["training"], lambda w: {
        "village": "6600101", "title": "Dùng VNeID an toàn", "topic": "VNeID", "starts_at": _at(), "ends_at": _at(),
        "place": "Nhà văn hóa", "trainer": "Anh Ba", "capacity": 40}, "coordinator",
        ["Lên lịch buổi tập huấn", "Thôn/buôn: Buôn Ko Tam (6600101)", "Bắt đầu: 10:00 1/12/26", "Số chỗ: 40"]),
    "training.updated": (lambda w: w["training"], lambda w: {"changes": {
        "village": ["6600101", "6600102"], "capacity": [40, 60]}}, "coordinator",
        ["Sửa buổi tập huấn", "Thôn/buôn: Buôn Ko Tam (6600101) → Thôn Điện Tân (6600102)", "Số chỗ: 40 → 60"]),
    "training.cancelled": (lambda w: w["training"], lambda w: {"reason": "Mưa lớn", "previous_status": "planned"},
                           "coordinator", ["Hủy buổi tập huấn", "Lý do: Mưa lớn", "Trạng thái trước: Đã lên lịch"]),
    "training.held": (lambda w: w["training"], lambda w: {"first_checkin_id": 7}, "volunteer",
                      ["Buổi tập huấn đã tổ chức", "Lượt điểm danh đầu tiên: #7"]),
    "participant.registered": (lambda w: w["other"], lambda w: {
        "code": w["other"].code, "village": "6600101", "possible_duplicates": [w["other"].id]}, "coordinator",
        ["Đã đăng ký người tham gia", "Có thể là cùng người với: {code}", "Thôn/buôn: Buôn Ko Tam (6600101)"]),
    "participant.merged": (lambda w: w["other"], lambda w: {
        "kept_id": w["other"].id, "kept": w["other"].code, "merged_id": 999, "merged": "ABCD2345", "checkins_moved": 2,
        "checkins_voided": 1}, "coordinator",
        ["Người được giữ: {code}", "Hồ sơ được gộp vào: ABCD2345", "Lượt điểm danh được chuyển: 2",
         "Lượt điểm danh trùng bị hủy: 1", "Người tham gia {code}"]),
    "participant.duplicate_dismissed": (lambda w: w["other"], lambda w: {"other_id": 999, "other": "ABCD2345"},
                                        "coordinator", ["Không phải cùng người với: ABCD2345", "Người tham gia {code}"]),
    "participant.viewed": (lambda w: w["other"], lambda w: {"code": w["other"].code}, "coordinator",
                           ["Đã xem trang người tham gia", "Mã người tham gia: {code}"]),
    "participant.exported": (lambda w: w["other"], lambda w: {"code": w["other"].code}, "coordinator",
                             ["Đã xuất dữ liệu người tham gia", "Mã người tham gia: {code}"]),
    "participant.consent_withdrawn": (lambda w: w["other"], lambda w: {"code": w["other"].code}, "coordinator",
                                      ["Người tham gia rút lại sự đồng ý", "Mã người tham gia: {code}"]),
    "cards.printed": (lambda w: w["tree"]["village"], lambda w: {"village": "6600101", "count": 12}, "coordinator",
                      ["Đã in thẻ", "Số lượng: 12", "Thôn/buôn: Buôn Ko Tam (6600101)"]),
    "checkin.recorded": (lambda w: fake("CheckIn"), lambda w: {
        "training_id": w["training"].id, "participant": w["other"].code, "source": "camera", "offline": True,
        "shown": "accepted", "scanned_at": _at()}, "volunteer",
        ["Đã điểm danh", "Nguồn: quét camera", "Ngoại tuyến: có", "Buổi tập huấn: Dùng VNeID an toàn",
         "Máy quét đã hiện: có trong danh sách (xanh)", "Mã người tham gia: {code}"]),
    "checkin.voided": (lambda w: fake("CheckIn"), lambda w: {
        "training_id": w["training"].id, "participant": w["other"].code, "reason": "Quét nhầm người"}, "coordinator",
        ["Đã hủy lượt điểm danh", "Lý do: Quét nhầm người", "Buổi tập huấn: Dùng VNeID an toàn"]),
    "outcome.recorded": (lambda w: w["other"], lambda w: {
        "participant": w["other"].code, "indicators": ["vneid", "etax"], "checkin_id": 3}, "volunteer",
        ["Đã ghi nhận kết quả", "Chỉ tiêu kết quả: vneid, etax", "Lượt điểm danh: #3"]),
    "outcome.undone": (lambda w: w["other"], lambda w: {"participant": w["other"].code, "indicators": ["vneid"]},
                       "coordinator", ["Chỉ tiêu kết quả: vneid", "Mã người tham gia: {code}", "Người tham gia {code}"]),
    "campaign.indicators_updated": (lambda w: w["campaign"], lambda w: {
        "added": ["vneid"], "renamed": [], "removed": ["old"], "order": ["vneid"]}, "admin",
        ["Đã thay đổi chỉ tiêu kết quả", "Đã thêm: vneid", "Đã đổi tên: —", "Đã bỏ: old"]),
    "indicator.targets_set": (lambda w: fake("Indicator"), lambda w: {"indicator": "vneid", "units": 5}, "admin",
                              ["Đã đặt chỉ tiêu theo đơn vị", "Chỉ tiêu kết quả: vneid", "Đơn vị hành chính: 5"]),
    "user.created": (lambda w: w["users"]["volunteer"], lambda w: {
        "username": "vol-66001", "role": "volunteer", "unit": "66001"}, "coordinator",
        ["Tạo người dùng", "Vai trò: Tình nguyện viên", "Đơn vị: Xã Ea Kao (66001)", "H'Hen Mlô (Tình nguyện viên)"]),
    "user.deactivated": (lambda w: w["users"]["volunteer"], lambda w: {"username": "vol-66001"}, "coordinator",
                         ["Khóa tài khoản", "Tên đăng nhập: vol-66001"]),
    "user.reactivated": (lambda w: w["users"]["volunteer"], lambda w: {"username": "vol-66001"}, "coordinator",
                         ["Mở khóa tài khoản", "Tên đăng nhập: vol-66001"]),
    "user.updated": (lambda w: w["users"]["volunteer"], lambda w: {
        "user_id": w["users"]["volunteer"].id, "fields": ["full_name", "role"]}, "coordinator",
        ["Thay đổi: Họ và tên, Vai trò", "Người dùng: H'Hen Mlô (Tình nguyện viên)"]),
    "user.password_reset": (lambda w: w["users"]["volunteer"], lambda w: {
        "user_id": w["users"]["volunteer"].id, "reset_id": 2}, "coordinator",
        ["Người dùng: H'Hen Mlô (Tình nguyện viên)", "Đường dẫn đặt lại: #2"]),
    "user.password_changed": (lambda w: w["users"]["volunteer"], lambda w: {
        "user_id": w["users"]["volunteer"].id, "via": "reset"}, "volunteer",
        ["Cách: bằng đường dẫn hoặc mã đặt lại"]),
    "enrolment.opened": (lambda w: fake("Enrolment"), lambda w: {"access_days": 30}, "coordinator",
                         ["Đã mở đường dẫn đăng ký tình nguyện viên", "Số ngày được dùng: 30",
                          "Đường dẫn đăng ký #7"]),
    "enrolment.closed": (lambda w: fake("Enrolment"), lambda w: {}, "coordinator",
                         ["Đã đóng đường dẫn đăng ký tình nguyện viên"]),
    "volunteer.enrolled": (lambda w: w["users"]["volunteer"], lambda w: {"enrolment_id": 4, "access_until": _at(30)},
                           "volunteer", ["Tình nguyện viên đã đăng ký", "Đường dẫn đăng ký: #4",
                                         "Được dùng đến: 10:00 31/12/26"]),
    "volunteer.revoked": (lambda w: w["users"]["volunteer"], lambda w: {"enrolment_id": 4}, "coordinator",
                          ["Đã thu hồi quyền của tình nguyện viên", "Đường dẫn đăng ký: #4"]),
    "digest.compiled": (lambda w: fake("Digest"), lambda w: {
        "date": "2026-12-01", "unit": "66001", "target": 3000, "reached": 1250, "days_left": 8}, None,
        ["Đã tổng hợp bản tin", "hệ thống", "Ngày: 1/12/26", "Đơn vị: Xã Ea Kao (66001)", "Chỉ tiêu: 3.000",
         "Đã tiếp cận: 1.250", "Số ngày còn lại: 8"]),
    **{f"digest_recipient.{change}": (lambda w: fake("DigestRecipient"), lambda w: {
        "unit": "66001", "recipient_id": 3, "user_id": w["users"]["coordinator"].id}, "admin",
        ["Người nhận: #3", "Người dùng: Y Khoa Niê (Điều phối viên xã)", "Đơn vị: Xã Ea Kao (66001)"])
       for change in ("added", "deactivated", "reactivated", "removed", "subscribed", "unsubscribed")},
    "scan.held": (lambda w: fake("HeldScan"), lambda w: {
        "kind": "walk_in", "training_id": w["training"].id, "reason": "revoked"}, "volunteer",
        ["Lượt quét chờ xem xét", "Nội dung chờ: một người đăng ký tại chỗ",
         "Lý do: tình nguyện viên đã bị thu hồi quyền", "Buổi tập huấn: Dùng VNeID an toàn"]),
    "scan.held_accepted": (lambda w: fake("HeldScan"), lambda w: {"checkin_id": None, "status": "refused"},
                           "coordinator", ["Đã chấp nhận lượt quét chờ", "Trạng thái: bị quy tắc từ chối",
                                           "Lượt điểm danh: —"]),
    "scan.held_discarded": (lambda w: fake("HeldScan"), lambda w: {}, "coordinator", ["Đã bỏ lượt quét chờ"]),
    "webhook.subscribed": (lambda w: fake("WebhookSubscription"), lambda w: {
        "event_types": ["checkin.recorded", "training.cancelled"]}, "admin",
        ["Đã đăng ký webhook", "Loại sự kiện: Đã điểm danh, Hủy buổi tập huấn", "Webhook #7"]),
    "webhook.disabled": (lambda w: fake("WebhookSubscription"), lambda w: {"reason": "gone"}, "admin",
                         ["Đã tắt webhook", "Lý do: nơi nhận trả lời 410 Gone"]),
    "webhook.enabled": (lambda w: fake("WebhookSubscription"), lambda w: {}, "admin", ["Đã bật webhook"]),
    "webhook.resent": (lambda w: fake("WebhookSubscription"), lambda w: {"delivery_id": 5, "event_id": 99}, "admin",
                       ["Gửi lại sự kiện qua webhook", "Lần gửi: #5", "Sự kiện: #99"]),
}


def test_every_type_the_app_records_has_a_sample_here():
    """A new event type gets its words (and a sample below) before it ships."""
    assert _recorded_types() - set(SAMPLES) == set(), "add the type to SAMPLES and its words to tracker/events/wording.py"


@pytest.mark.parametrize("type_", sorted(SAMPLES))
def test_each_type_reads_in_vietnamese_words(vi, db, login, world, type_):
    subject, payload, actor, expected = SAMPLES[type_]
    users = world["users"]
    events.record(type_, subject(world), payload(world), user=users[actor] if actor else None,
                  unit=world["tree"]["village"])
    db.session.commit()
    login(users["admin"])
    response = vi.get(f"/events?type={type_}")
    assert response.status_code == 200
    shown = listing(response)
    for words in expected:
        assert words.format(code=world["other"].code) in shown
    assert type_ not in shown, "a known type shows its title, not its code"
    actor_words = "hệ thống" if actor is None else users[actor].display_name
    assert actor_words in shown and "Buôn Ko Tam (6600101)" in shown
    assert not re.search(r"\buser #\d|\b(coordinator|volunteer|planned|walk_in|revoked|refused|gone)\b", shown)


def test_an_unknown_type_shows_its_type_and_raw_keys(client, db, login, world):
    events.record("harvest.counted", fake("Harvest"), {"sacks": 12, "crop_name": "cà phê", "ok": True},
                  user=world["users"]["admin"], unit=world["tree"]["village"])
    db.session.commit()
    login(world["users"]["admin"])
    page = text(client.get("/events"))
    assert "harvest.counted" in page and "sacks: 12" in page and "crop_name: cà phê" in page and "ok: yes" in page
    assert "harvest #7" in page


def test_a_real_check_in_reads_in_words(vi, db, login, world, dummy_participant):
    from tracker.checkins.operations import check_in

    check_in(world["training"], {"code": dummy_participant.code, "scan_id": uuid.uuid4(),
                                 "scanned_at": world["training"].starts_at}, user=world["users"]["volunteer"])
    db.session.commit()
    login(world["users"]["coordinator"])
    page = text(vi.get("/events?type=checkin.recorded"))
    assert "Đã điểm danh" in page and "Buổi tập huấn: Dùng VNeID an toàn" in page
    assert f"Mã người tham gia: {dummy_participant.code}" in page and "H'Hen Mlô (Tình nguyện viên)" in page
    assert dummy_participant.full_name not in page, "the audit trail carries no personal data"


def test_the_training_page_history_reads_in_words(vi, db, login, world):
    from tracker.trainings.operations import cancel_training

    cancel_training(world["training"], reason="Mưa lớn", user=world["users"]["coordinator"])
    db.session.commit()
    login(world["users"]["coordinator"])
    page = text(vi.get(f"/trainings/{world['training'].id}"))
    assert "Hủy buổi tập huấn" in page and "Lý do: Mưa lớn" in page and "Y Khoa Niê (Điều phối viên xã)" in page


def test_a_participant_links_to_their_page_only_for_those_who_may_read_it(client, db, login, world):
    other = world["other"]
    events.record("participant.viewed", other, {"code": other.code}, user=world["users"]["coordinator"],
                  unit=world["tree"]["village"])
    db.session.commit()
    link = f'href="/participants/{other.id}"'
    login(world["users"]["coordinator"])
    assert link in client.get("/events").get_data(as_text=True)
    client.post("/logout")
    login(world["users"]["commune_committee"])
    page = client.get("/events").get_data(as_text=True)
    assert other.code in page and link not in page and other.full_name not in page


# Filters, scope and paging ---------------------------------------------------------------------

@pytest.fixture
def spread(db, world):
    """Events in both communes, by different people, on different local days."""
    tree, users = world["tree"], world["users"]
    made = {}
    for key, unit, actor, when in [
        ("ea_kao_1", tree["village"], "coordinator", datetime(2026, 11, 30, 17, 30, tzinfo=UTC)),  # 00:30 on 1 Dec local
        ("ea_kao_2", tree["village2"], "volunteer", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("tan_an", tree["other_village"], "other_coordinator", datetime(2026, 12, 1, 11, 0, tzinfo=UTC)),
        ("province", tree["province"], "admin", datetime(2026, 11, 30, 10, 0, tzinfo=UTC)),  # 30 Nov local
    ]:
        event = events.record("cards.printed", unit, {"village": unit.code, "count": len(made) + 1},
                              user=users[actor], unit=unit)
        event.occurred_at = when
        made[key] = event
    db.session.commit()
    return made


def _counts(page):
    return sorted(int(number) for number in re.findall(r"Count: (\d+)", page))


def test_a_coordinator_sees_only_their_commune(client, login, world, spread):
    login(world["users"]["coordinator"])
    page = text(client.get("/events"))
    assert _counts(page) == [1, 2] and "Tổ dân phố 5" not in page


def test_filter_by_unit_keeps_the_unit_and_what_lies_under_it(client, login, world, spread):
    login(world["users"]["admin"])
    assert _counts(text(client.get("/events?unit=66001"))) == [1, 2]
    assert _counts(text(client.get("/events?unit=6600102"))) == [2]
    assert _counts(text(client.get("/events?unit=+66002+"))) == [3]


@pytest.mark.parametrize("code", ["66002", "6600201", "66", "99999"])
def test_a_unit_out_of_scope_or_unknown_is_not_found(client, login, world, spread, code):
    login(world["users"]["coordinator"])
    response = client.get(f"/events?unit={code}")
    assert response.status_code == 404
    page = text(response)
    assert "No unit with this code in your area." in page and "Count:" not in page


def test_filter_by_actor(client, login, world, spread):
    login(world["users"]["admin"])
    assert _counts(text(client.get("/events?actor=vol-66001"))) == [2]
    client.post("/logout")
    login(world["users"]["coordinator"])
    assert _counts(text(client.get("/events?actor=coord-66001"))) == [1]
    response = client.get("/events?actor=coord-66002")
    assert response.status_code == 404 and "No user with this username in your area." in text(response)


def test_filter_by_local_days(client, login, world, spread):
    login(world["users"]["admin"])
    assert _counts(text(client.get("/events?since=2026-12-01&until=2026-12-01"))) == [1, 2, 3]
    assert _counts(text(client.get("/events?until=2026-11-30"))) == [4]
    assert _counts(text(client.get("/events?since=2026-12-02"))) == []


@pytest.mark.parametrize("query, field", [
    ("since=yesterday", "since"), ("until=2026-13-01", "until"), ("since=2026-12-02&until=2026-12-01", "until"),
    ("since=0001-01-01", "since"), ("until=9999-12-31", "until"), ("before=abc", "before"), ("before=0", "before"),
    ("before=99999999999999999999", "before"), (f"type={'x' * 51}", "type"), (f"unit={'6' * 21}", "unit"),
    (f"actor={'a' * 81}", "actor"),
])
def test_bad_filter_values_get_the_form_with_its_error(client, login, world, query, field):
    login(world["users"]["admin"])
    response = client.get(f"/events?{query}")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'class="field-error' in body and '<form method="get"' in body
    if field != "before":
        assert f'id="f-{field}-error"' in body


def test_nul_in_a_filter_is_refused(client, login, world):
    login(world["users"]["admin"])
    assert client.get("/events?actor=a%00b").status_code == 422


def test_paging_keeps_the_filters_and_goes_back(client, db, login, world, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    tree, users = world["tree"], world["users"]
    for count in range(1, 6):
        events.record("cards.printed", tree["village"], {"village": "6600101", "count": count},
                      user=users["coordinator"], unit=tree["village"])
        events.record("cards.printed", tree["other_village"], {"village": "6600201", "count": 100 + count},
                      user=users["other_coordinator"], unit=tree["other_village"])
    db.session.commit()
    login(users["admin"])
    seen, url = [], "/events?unit=66001&type=cards.printed"
    while url:
        response = client.get(url)
        page = response.get_data(as_text=True)
        seen.append(_counts(text(response)))
        older = re.search(r'href="(/events\?[^"]*before=\d+[^"]*)"', page)
        url = html.unescape(older.group(1)) if older else None
        if url:
            assert "unit=66001" in url and "type=cards.printed" in url
    assert seen == [[4, 5], [2, 3], [1]]
    assert "Newest" in page


def test_only_signed_in_readers_of_events_see_the_trail(client, login, world):
    assert client.get("/events").status_code == 302
    login(world["users"]["volunteer"])
    assert client.get("/events").status_code == 403


@pytest.mark.parametrize("role", ["committee", "commune_committee", "coordinator"])
def test_readers_of_events_see_the_trail_of_their_area(client, login, world, spread, role):
    login(world["users"][role])
    page = text(client.get("/events"))
    expected = [1, 2] if world["users"][role].unit.code == "66001" else [1, 2, 3, 4]
    assert _counts(page) == expected


def test_the_admin_also_sees_events_of_no_unit(client, db, login, world):
    events.record("webhook.enabled", fake("WebhookSubscription"), {}, user=world["users"]["admin"])
    db.session.commit()
    login(world["users"]["admin"])
    assert "Webhook enabled" in listing(client.get("/events"))
    client.post("/logout")
    login(world["users"]["committee"])
    assert "No events." in text(client.get("/events"))


# Cost -------------------------------------------------------------------------------------------

def _queries_of(db, client, url):
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)
    return statements


def test_names_are_read_in_bulk_per_page(client, db, login, world, create_user, create_training):
    """Each kind of name costs one query per page, however many events name them."""
    tree, users = world["tree"], world["users"]

    def add(rows):
        for number in range(rows):
            actor, recipient = create_user("volunteer", tree["commune"]), create_user("committee", tree["commune"])
            training = create_training(title=f"Buổi {number}")
            for type_, subject, payload in [
                ("checkin.recorded", fake("CheckIn", number + 1), {"training_id": training.id, "participant": "X",
                                                                   "source": "manual"}),
                ("digest_recipient.added", fake("DigestRecipient"), {"unit": "66002", "user_id": recipient.id}),
                ("participant.registered", world["other"], {"code": "X", "village": "6600102",
                                                            "possible_duplicates": [world["other"].id]}),
                ("campaign.updated", world["campaign"], {"changed": ["name"]}),
                ("unit.imported", tree["commune"], {"rows": 2}),
            ]:
                events.record(type_, subject, payload, user=actor, unit=tree["village"])
        db.session.commit()

    login(users["admin"])
    add(2)
    few = _queries_of(db, client, "/events")
    add(8)
    many = _queries_of(db, client, "/events")
    page = text(client.get("/events"))
    assert "Buổi 7" in page and "Phường Tân An (66002)" in page and "Committee member)" in page
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 12, "\n".join(many)
