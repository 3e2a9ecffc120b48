"""The dashboard in headless Chromium: a check-in made through the API reaches an open dashboard without
reloading; the drill-down and the public page at 360 px."""
import time

import pytest

from tests.browser.conftest import VIEWPORT, screenshot, sign_in
from tests.checkins.scans import scan_body
from tracker.campaigns.models import Target
from tracker.core.time import utcnow
from tracker.digests import progress


@pytest.fixture
def fast(app, monkeypatch):
    """Figures computed again at each poll, polled every 2 s (the defaults are 60 s and 15 s)."""
    monkeypatch.setitem(app.config, "TRACKER_PROGRESS_MAX_AGE", 0)
    monkeypatch.setattr(progress, "SLOW_FACTOR", 0)  # a cold first computation must not hold the next back
    monkeypatch.setitem(app.config, "TRACKER_DASHBOARD_POLL", 2)


def test_an_open_dashboard_follows_a_check_in_made_through_the_api(fast, new_page, api_as, users, db, tree,
                                                                   open_training, create_participant):
    db.session.add(Target(campaign=open_training.campaign, unit=tree["commune"], target=10))
    db.session.commit()
    person = create_participant("Nguyễn Thị Hoa")
    page = new_page(users["coordinator"])
    page.goto("/dashboard")
    page.evaluate("() => { window.__notReloaded = true; }")
    assert page.inner_text(".reach-big") == "0" and page.inner_text("h1") == "Xã Ea Kao"
    response = api_as(users["volunteer"]).post(f"/api/v1/trainings/{open_training.id}/checkins",
                                               json=scan_body(person, at=utcnow()))
    assert response.status_code == 201
    started = time.monotonic()
    page.wait_for_function("() => document.querySelector('.reach-big').textContent.trim() === '1'", timeout=10_000)
    print(f"\nthe check-in reached the open dashboard in {time.monotonic() - started:.1f} s")
    assert page.inner_text(".reach-percent") == "10,0%" and page.evaluate("() => window.__notReloaded") is True
    screenshot(page, "dashboard-commune.png", full_page=True)
    with page.expect_navigation():
        page.click("a.unit-link >> text=Buôn Ko Tam")
    assert page.inner_text("h1") == "Buôn Ko Tam" and page.inner_text(".reach-big") == "1"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORT["width"]


def test_the_public_page_on_a_phone(browser, live_server, db, users, tree, open_training):
    campaign = open_training.campaign
    campaign.is_public = True
    db.session.add_all([Target(campaign=campaign, unit=tree["commune"], target=10),
                        Target(campaign=campaign, unit=tree["other_commune"], target=5)])
    db.session.commit()
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url)
    try:
        page = context.new_page()
        response = page.goto(f"/public/campaigns/{campaign.id}")
        assert response.status == 200 and response.headers["cache-control"] == "public, max-age=60"
        assert page.inner_text("h1") == "Tỉnh Đắk Lắk" and "Xã Ea Kao" in page.inner_text(".digest-ranking")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORT["width"]
        assert context.cookies() == []
        screenshot(page, "public-progress.png", full_page=True)
    finally:
        context.close()


def test_the_province_dashboard_on_a_desktop_ranks_communes_in_a_table(fast, browser, live_server, db, users, tree, api_as,
                                                                       open_training, create_participant):
    """At desktop width the ranking is a table with its header row (a phone stacks it, see above)."""
    campaign = open_training.campaign
    db.session.add_all([Target(campaign=campaign, unit=tree["commune"], target=10),
                        Target(campaign=campaign, unit=tree["other_commune"], target=5)])
    db.session.commit()
    person = create_participant("Nguyễn Thị Hoa")
    assert api_as(users["volunteer"]).post(f"/api/v1/trainings/{open_training.id}/checkins",
                                           json=scan_body(person, at=utcnow())).status_code == 201
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", base_url=live_server.url)
    try:
        page = context.new_page()
        sign_in(page, users["admin"].username)
        page.goto("/dashboard")
        assert page.inner_text("h1") == "Tỉnh Đắk Lắk"
        header = page.locator(".digest-ranking thead")
        assert header.is_visible() and "%" in header.inner_text()
        rows = page.locator(".digest-ranking tbody tr")
        names = [rows.nth(index).locator("td").nth(1).inner_text() for index in range(rows.count())]
        assert names == ["Xã Ea Kao", "Phường Tân An"], names
        # Each row is one line of cells side by side, not a stacked card.
        cells = rows.first.locator("td")
        tops = {round(cells.nth(index).bounding_box()["y"]) for index in range(cells.count())}
        assert len(tops) == 1, tops
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        screenshot(page, "dashboard-desktop.png", full_page=True)
    finally:
        context.close()
