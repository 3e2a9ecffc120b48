"""The public progress page: off by default, no sign-in, no personal data, cacheable."""
import pytest
import sqlalchemy as sa

from tracker.events.models import Event


@pytest.fixture
def published(db, running):
    running.is_public = True
    db.session.commit()
    return running


def test_a_campaign_is_not_public_until_an_admin_says_so(app, running, client, login, users, db):
    anonymous = app.test_client()
    assert anonymous.get(f"/public/campaigns/{running.id}").status_code == 404
    login(users["admin"])
    form = {"name": running.name, "start_date": running.start_date.isoformat(),
            "deadline": running.deadline.isoformat(), "topics": "\n".join(running.topics),
            "is_public_shown": "1", "is_public": "on"}
    assert client.post(f"/campaigns/{running.id}", data=form).status_code == 302
    db.session.expire_all()
    assert running.is_public
    event = db.session.scalar(sa.select(Event).where(Event.type == "campaign.updated"))
    assert event.payload == {"changed": ["is_public"]}
    assert anonymous.get(f"/public/campaigns/{running.id}").status_code == 200
    # Unticking the box (nothing sent for it) turns it off again.
    del form["is_public"]
    client.post(f"/campaigns/{running.id}", data=form)
    db.session.expire_all()
    assert not running.is_public


def test_the_public_page_shows_progress_and_ranking_without_anyone_s_data(app, published):
    response = app.test_client().get(f"/public/campaigns/{published.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tỉnh Đắk Lắk" in page and '<b class="reach-big">2</b>' in page and "/ 24" in page
    assert "Xã Ea Kao" in page and "Phường Tân An" in page
    assert f'href="/public/campaigns/{published.id}/units/66001">Xã Ea Kao</a>' in page
    assert "Nguyễn Thị Hoa" not in page and "Y Dăm" not in page  # people are numbers here
    assert "csrf" not in page.lower() and "Đăng xuất" not in page


def test_the_public_page_is_cacheable(app, published):
    anonymous = app.test_client()
    response = anonymous.get(f"/public/campaigns/{published.id}")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    again = anonymous.get(f"/public/campaigns/{published.id}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    english = anonymous.get(f"/public/campaigns/{published.id}?lang=en")
    assert english.headers["ETag"] != response.headers["ETag"] and "People reached" in english.get_data(as_text=True)
    assert "Số người đã tiếp cận" in response.get_data(as_text=True)  # Vietnamese first, whatever the browser


def test_a_commune_has_its_public_page_and_nothing_else_does(app, published, create_campaign):
    anonymous = app.test_client()
    commune = anonymous.get(f"/public/campaigns/{published.id}/units/66001")
    assert commune.status_code == 200 and '<b class="reach-big">1</b>' in commune.get_data(as_text=True)
    assert "Buôn Ko Tam" in commune.get_data(as_text=True)
    for url in (f"/public/campaigns/{published.id}/units/6600101", f"/public/campaigns/{published.id}/units/xx",
                "/public/campaigns/999999"):
        assert anonymous.get(url).status_code == 404
    hidden = create_campaign(name="Khác")
    assert anonymous.get(f"/public/campaigns/{hidden.id}/units/66001").status_code == 404
