"""The digest pages: the day's page, compile now, PDF, text, spreadsheets, history, menu; scope."""
import io
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.digests.page_samples import DAY, sample_payload, store_digest
from tracker.digests.models import Digest

PAGE = "/campaigns/{id}/digests/2025-08-20"


@pytest.fixture
def stored(db, tree, dummy_campaign):
    """The sample digests of commune 66001 and of the province for 20/08/2025."""
    province = sample_payload(unit={"code": "66", "name": "Tỉnh Đắk Lắk", "level": "province"}, reached=2500)
    return {"commune": store_digest(db, dummy_campaign, tree["commune"]),
            "province": store_digest(db, dummy_campaign, tree["province"], payload=province)}


def _vietnamese(client):
    with client.session_transaction() as session:
        session["lang"] = "vi"


def _url(campaign, suffix="", **query):
    url = PAGE.format(id=campaign.id) + suffix
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_page_reads_countdown_first_then_reach_pace_ranking_and_gaps(client, users, login, stored, dummy_campaign):
    login(users["coordinator"])
    _vietnamese(client)
    page = client.get(_url(dummy_campaign)).get_data(as_text=True)
    order = ["còn 67 ngày", "Ngày 37/103", "1.234", "41,1%", "<svg class=\"burnup\"",
             "Với tốc độ này, mục tiêu đạt vào 1/10, sớm 24 ngày so với hạn.",
             "Cần thêm 27 người mỗi ngày để đạt mục tiêu đúng hạn.", "+48", "Xếp hạng thi đua", "▲2", "▼1",
             "Thôn/buôn chưa được tiếp cận", "Dân tộc thiểu số", "VNeID mức 2", "08:00", "Cài đặt VNeID",
             "Nhận diện lừa đảo"]
    positions = [page.find(text) for text in order]
    assert -1 not in positions, [text for text, at in zip(order, positions) if at == -1]
    assert positions == sorted(positions)
    assert "Đúng tiến độ" in page and "Bản tin ngày" in page


def test_the_page_links_downloads_days_and_carries_the_chat_text(client, users, login, stored, dummy_campaign):
    login(users["coordinator"])
    _vietnamese(client)
    page = client.get(_url(dummy_campaign)).get_data(as_text=True)
    base = f"/campaigns/{dummy_campaign.id}/digests"
    for link in (f"{base}/2025-08-20.pdf?unit=66001", f"{base}/2025-08-20.txt?unit=66001",
                 f"{base}/2025-08-20.csv?unit=66001", f"{base}/2025-08-20.xlsx?unit=66001",
                 f"{base}/2025-08-19?unit=66001", f"{base}/2025-08-21?unit=66001", f"{base}?unit=66001"):
        assert f'href="{link}"' in page, link
    assert "readonly" in page and "📊 Bản tin 100 ngày cao điểm – Xã Ea Kao – 20/08/2025" in page
    assert 'data-copy="chat-text"' in page and "js/digest.js" in page
    assert f'action="{base}/2025-08-20/compile?unit=66001"' in page


@pytest.mark.parametrize(("who", "unit", "status"), [
    ("admin", "66", 200), ("admin", "66001", 200),
    ("committee", "66", 200), ("committee", "66001", 200),
    ("commune_committee", None, 200), ("commune_committee", "66", 404), ("commune_committee", "66002", 404),
    ("coordinator", None, 200), ("coordinator", "66001", 200), ("coordinator", "66", 404),
    ("other_coordinator", "66001", 404),
    ("volunteer", None, 403), ("volunteer", "66001", 403), ("volunteer", "66", 404),
])
def test_who_reads_which_digest(client, users, login, stored, dummy_campaign, who, unit, status):
    login(users[who])
    query = {"unit": unit} if unit else {}
    for suffix in ("", ".pdf", ".txt"):
        assert client.get(_url(dummy_campaign, suffix, **query)).status_code == status, suffix
    assert client.get(f"/campaigns/{dummy_campaign.id}/digests", query_string=query).status_code == status


def test_province_readers_get_the_province_by_default_and_communes_their_commune(client, users, login, stored,
                                                                                dummy_campaign):
    login(users["committee"])
    assert "Tỉnh Đắk Lắk" in client.get(_url(dummy_campaign)).get_data(as_text=True)
    assert "2,500" in client.get(_url(dummy_campaign)).get_data(as_text=True)
    client.post("/logout")
    login(users["commune_committee"])
    assert "<h1>Xã Ea Kao</h1>" in client.get(_url(dummy_campaign)).get_data(as_text=True)


def test_a_missing_digest_is_404_with_a_compile_button_for_coordinators_only(client, users, login, tree,
                                                                              dummy_campaign):
    login(users["coordinator"])
    _vietnamese(client)
    response = client.get(_url(dummy_campaign))
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "Chưa có bản tin của Xã Ea Kao ngày 20/08/2025." in page
    assert "Tổng hợp ngay" in page
    assert client.get(_url(dummy_campaign, ".pdf")).status_code == 404
    client.post("/logout")
    login(users["commune_committee"])
    response = client.get(_url(dummy_campaign))
    assert response.status_code == 404 and "/compile" not in response.get_data(as_text=True)


def test_a_coordinator_compiles_the_digest_of_their_commune_now(client, db, users, login, tree, dummy_campaign,
                                                               count_events):
    login(users["coordinator"])
    response = client.post(_url(dummy_campaign, "/compile"))
    assert response.status_code == 302 and response.headers["Location"] == _url(dummy_campaign, unit="66001")
    digest = db.session.scalar(sa.select(Digest))
    assert (digest.unit.code, digest.date, digest.payload["day_number"]) == ("66001", DAY, 37)
    assert count_events("digest.compiled") == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The digest was compiled." in page and "67 days left" in page


@pytest.mark.parametrize(("who", "unit", "status"), [
    ("commune_committee", None, 403), ("committee", "66001", 403), ("volunteer", None, 403),
    ("coordinator", "66", 404), ("other_coordinator", "66001", 404),
])
def test_others_may_not_compile(client, db, users, login, tree, dummy_campaign, who, unit, status):
    login(users[who])
    response = client.post(_url(dummy_campaign, "/compile", **({"unit": unit} if unit else {})))
    assert response.status_code == status
    assert db.session.scalar(sa.select(sa.func.count(Digest.id))) == 0


def test_compiling_a_day_after_today_is_refused_with_a_message(client, db, users, login, tree, dummy_campaign):
    login(users["coordinator"])
    url = f"/campaigns/{dummy_campaign.id}/digests/2099-01-01/compile"
    response = client.post(url, follow_redirects=True)
    assert response.status_code == 404 and "Choose a day from the campaign&#39;s start" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Digest.id))) == 0


@pytest.mark.parametrize(("day", "query", "status", "message"), [
    ("2025-13-45", "", 404, "is not a day"), ("yesterday", "", 404, "is not a day"),
    ("2025-08-20", "unit=6600101", 422, "province and its communes"),
    ("2025-08-20", "unit=nope", 422, "Some fields are not valid."),
    ("2025-08-20", "unit=" + "9" * 300, 422, "Some fields are not valid."),
])
def test_bad_days_and_units_are_clear_4xx_pages(client, users, login, stored, dummy_campaign, day, query, status,
                                                message):
    login(users["admin"])
    for suffix in ("", ".pdf", ".txt"):
        response = client.get(f"/campaigns/{dummy_campaign.id}/digests/{day}{suffix}?{query}")
        assert response.status_code == status and message in response.get_data(as_text=True), suffix
    assert client.get("/campaigns/999/digests/2025-08-20").status_code == 404


def test_the_pdf_is_one_a4_page_downloaded_under_a_safe_name(client, users, login, stored, dummy_campaign):
    login(users["coordinator"])
    _vietnamese(client)
    response = client.get(_url(dummy_campaign, ".pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="ban-tin-xa-ea-kao-2025-08-20.pdf"')
    assert "filename*=UTF-8''B%E1%BA%A3n%20tin%20X%C3%A3%20Ea%20Kao%202025-08-20.pdf" in disposition
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert len(pages) == 1 and "Xã Ea Kao" in pages[0].extract_text()


def test_the_text_is_the_chat_version_with_a_link_back(client, users, login, stored, dummy_campaign):
    login(users["coordinator"])
    _vietnamese(client)
    response = client.get(_url(dummy_campaign, ".txt"))
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[1] == "⏳ Ngày 37/103 · còn 67 ngày"
    assert lines[-1] == f"🔗 http://localhost{_url(dummy_campaign, unit='66001')}"


def test_spreadsheets_download_from_the_browser(client, users, login, stored, dummy_campaign):
    login(users["commune_committee"])
    csv = client.get(_url(dummy_campaign, ".csv"))
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and csv.data.startswith(b"\xef\xbb\xbf")
    assert "Xã Ea Kao".encode() in csv.data
    xlsx = client.get(_url(dummy_campaign, ".xlsx"))
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert 'filename="digest-xa-ea-kao-2025-08-20.xlsx"' in xlsx.headers["Content-Disposition"]


def test_history_lists_the_days_newest_first_with_their_figures(client, db, users, login, tree, stored,
                                                                dummy_campaign):
    store_digest(db, dummy_campaign, tree["commune"], date(2025, 8, 19),
                 sample_payload(date="2025-08-19", reached=1186, reached_percent=39.5, on_track=False))
    login(users["coordinator"])
    _vietnamese(client)
    page = client.get(f"/campaigns/{dummy_campaign.id}/digests").get_data(as_text=True)
    assert page.index("2025-08-20?unit=66001") < page.index("2025-08-19?unit=66001")
    assert "1.234" in page and "41,1%" in page and "39,5%" in page and "Chậm tiến độ" in page
    assert 'type="date"' in page and '<select id="unit"' not in page


def test_history_day_picker_opens_the_day_and_province_users_pick_a_commune(client, users, login, stored,
                                                                           dummy_campaign):
    login(users["committee"])
    base = f"/campaigns/{dummy_campaign.id}/digests"
    response = client.get(base, query_string={"unit": "66001", "date": "2025-08-20"})
    assert response.status_code == 302 and response.headers["Location"] == f"{base}/2025-08-20?unit=66001"
    page = client.get(base).get_data(as_text=True)
    assert '<option value="66001">Xã Ea Kao</option>' in page and '<option value="66002">Phường Tân An</option>' in page
    assert client.get(base, query_string={"date": "20/08/2025"}).status_code == 422


def test_the_menu_and_the_dashboard_lead_to_the_digest(client, users, login, stored, dummy_campaign):
    login(users["coordinator"])
    _vietnamese(client)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert '<a href="/digests">Bản tin</a>' in dashboard and "Bản tin hôm nay" in dashboard
    # The campaign is over: the menu opens the newest stored digest.
    response = client.get("/digests")
    assert response.status_code == 302 and response.headers["Location"] == _url(dummy_campaign, unit="66001")
    client.post("/logout")
    login(users["volunteer"])
    assert client.get("/digests").status_code == 403
