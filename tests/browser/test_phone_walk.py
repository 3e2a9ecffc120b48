"""Phones first, everywhere: every page each role can open, walked in headless Chromium at 360 × 800.

The pages are the app's GET routes, read from ``app.url_map``: a new page is walked without being
listed here. Only the routes in ``NOT_PAGES`` are left out, each with its reason (the API, files,
JSON for pollers); a route whose URL needs a value the walk does not know fails the walk, so a new
page cannot escape it silently. Its URL parameters are filled with the ids of real objects made
below, with long Vietnamese names so that wrapping is exercised; ``VARIANTS`` adds the same pages
in other states (a village's dashboard, the scanner open on a training, a held training).

Each role (and a visitor not signed in) opens every URL; a 403 or 404 is that role's authorisation
(tested elsewhere) and the page is skipped. Every page opened must pass tests/browser/phone.py: no
sideways overflow, no tap target under 44 px (the rule is written there). The failure lists, by
page and role, what sticks out and which targets are too small. ``TRACKER_SCREENS=1`` saves a
screenshot of each role's main pages in docs/screens/phone-<role>-<page>.png.
"""
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import url_for

from tests.browser.conftest import VIEWPORT, screenshot, sign_in
from tests.browser.phone import assert_fits_the_phone, phone_problems
from tests.checkins.scans import new_scan, scan_body
from tracker.auth.enrolments.operations import enrol_volunteer, open_enrolment, revoke_volunteer
from tracker.auth.operations import reset_password
from tracker.campaigns.models import Target
from tracker.checkins.held import hold_items
from tracker.checkins.operations import check_in, void_checkin
from tracker.core.time import today, utcnow
from tracker.digests.models import Digest, DigestEmail, DigestRecipient, EmailStatus
from tracker.digests.operations import compile_campaign
from tracker.events.models import Event
from tracker.events.webhooks.operations import queue_delivery, subscribe
from tracker.outcomes.models import Indicator, IndicatorTarget
from tracker.outcomes.operations import record_outcomes
from tracker.trainings.models import TrainingStatus

LONG_COMMUNE = "Xã Ea Kao mở rộng Thành phố Buôn Ma Thuột"
LONG_VILLAGE = "Buôn Cư Ê Wi – Tổ dân phố Tân Thành Đông Bắc mở rộng"
LONG_CAMPAIGN = "Chiến dịch 100 ngày cao điểm phổ cập kỹ năng số cho người dân tỉnh Đắk Lắk năm 2025"
LONG_TITLE = "Hướng dẫn dịch vụ công trực tuyến toàn trình và thanh toán không dùng tiền mặt cho người cao tuổi"
LONG_PERSON = "Hoàng Nguyễn Thị Thu Hương Ngọc Bích"
LONG_ADDRESS = "vanphong.banchidao.chuyendoiso.capxa@ubndxaeakao.daklak.gov.vn"
LONG_URL = "https://cong-thong-tin.daklak.gov.vn/api/tich-hop/100-ngay-cao-diem/webhooks/nhan-su-kien?nguon=tracker"

ICON = Path(__file__).resolve().parents[2] / "static" / "img" / "icon.svg"
#: The GET routes that are not pages, and why they are not walked. Anything else is a page.
NOT_PAGES = {
    "static": "files: CSS, scripts, images",
    "api-docs.openapi_json": "the API's description (JSON)",
    "campaigns.dashboard_live": "JSON the dashboard polls",
    "trainings.training_live": "JSON the training page polls",
    "scan.manifest": "the scanner's web app manifest (JSON)",
    "scan.service_worker": "the scanner's service worker (JavaScript)",
    "enrolment.enrolment_qr": "the enrolment link's QR code (PNG, SVG)",
    "cards.participant_card_pdf": "a download (PDF)",
    "cards.card_sheet_pdf": "a download (PDF)",
    "privacy.export_person": "a download (JSON, PDF)",
    "participants.export_participants": "a download (CSV, XLSX)",
    "participants.import_template": "a download (CSV)",
    "trainings.export_trainings": "a download (CSV, XLSX)",
    "checkins.export_roster": "a download (CSV, XLSX)",
    "geo.export_checkins": "a download (CSV, XLSX)",
    "geo.export_progress": "a download (CSV, XLSX)",
    "digests.digest_csv_file": "a download (CSV)",
    "digests.digest_xlsx_file": "a download (XLSX)",
    "digests.digest_pdf": "a download (PDF)",
    "digests.digest_txt": "a download (text for chat apps)",
}
#: Who walks: each role of SPEC §2 (committee at the province and at a commune), and a visitor.
ROLES = ("admin", "committee", "commune_committee", "coordinator", "volunteer", None)
#: How many distinct pages each must reach at least (today's counts, rounded down, as a floor).
MINIMUM_PAGES = {"admin": 40, "committee": 20, "commune_committee": 20, "coordinator": 35, "volunteer": 3, None: 5}
#: The screenshots of each role's main pages (docs/screens/phone-<role>-<name>.png, when TRACKER_SCREENS is
#: set), by endpoint; ``endpoint#2`` is the second URL of that endpoint the role opened (a variant).
SCREENS = {
    "admin": {"campaigns.dashboard": "dashboard", "auth.list_users": "users", "campaigns.campaign_targets": "targets",
              "digest_mail.emails_page": "digest-emails"},
    "committee": {"campaigns.dashboard": "dashboard", "digests.digest_page": "digest", "geo.unit_page": "unit"},
    "commune_committee": {"campaigns.dashboard": "dashboard", "digests.history#2": "digests"},
    "coordinator": {"campaigns.dashboard": "dashboard", "trainings.list_trainings#2": "trainings",
                    "trainings.calendar": "calendar", "trainings.training_page": "training",
                    "participants.list_participants": "participants", "participants.participant_page": "participant",
                    "enrolment.enrolments": "enrolments", "held.held_scans": "held-scans"},
    "volunteer": {"scan.scan_page": "scan-list", "scan.scan_page#2": "scanner"},
    None: {"auth.login": "login", "public.progress": "public-progress"},
}


def _is_page(rule):
    return "GET" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint not in NOT_PAGES


@pytest.fixture
def world(db, tree, users, create_user, create_campaign, create_training, create_participant):
    """A running campaign with something on every page, named the long way; the values of the URLs."""
    tree["commune"].name, tree["village"].name = LONG_COMMUNE, LONG_VILLAGE
    day = today("Asia/Ho_Chi_Minh")
    campaign, indicator = _campaign(db, tree, create_campaign, day)
    trainings = _trainings(create_training, campaign, tree)
    people = _attendance(create_participant, trainings["open"], tree, users["coordinator"])
    compile_campaign(campaign, day - timedelta(days=1))
    _mail(db, tree)
    webhook = subscribe({"url": LONG_URL, "events": ["checkin.recorded", "training.scheduled"]}, user=users["admin"])
    queue_delivery(webhook, db.session.scalars(db.select(Event).order_by(Event.id.desc())).first())
    token, enrolment = _held_scan(users["coordinator"], trainings["open"], people[1], tree)
    reset_code, _reset = reset_password(create_user("coordinator", tree["commune"], "coord-66001-quen-mat-khau"),
                                        user=users["admin"])
    db.session.commit()
    values = {"campaign_id": campaign.id, "training_id": trainings["open"].id, "participant_id": people[0].id,
              "code": tree["commune"].code, "day": (day - timedelta(days=1)).isoformat(), "key": indicator.key,
              "account_id": users["volunteer"].id, "subscription_id": webhook.id, "enrolment_id": enrolment.id,
              "token": token, ("auth.reset_password", "code"): reset_code}
    return {"values": values, "trainings": trainings, "tree": tree, "people": people}


def _campaign(db, tree, create_campaign, day):
    campaign = create_campaign(name=LONG_CAMPAIGN, start_date=day - timedelta(days=20), deadline=day + timedelta(days=80),
                               is_public=True)
    for unit, target in (("commune", 400), ("other_commune", 300), ("village", 250), ("village2", 150)):
        db.session.add(Target(campaign=campaign, unit=tree[unit], target=target))
    indicator = Indicator(campaign=campaign, key="vneid_level2", name="Kích hoạt tài khoản định danh điện tử VNeID mức 2")
    db.session.add_all([indicator, Indicator(campaign=campaign, key="cashless", name="Thanh toán không dùng tiền mặt",
                                             position=1)])
    db.session.add(IndicatorTarget(indicator=indicator, unit=tree["commune"], target=120))
    return campaign, indicator


def _trainings(create_training, campaign, tree):
    now = utcnow()

    def at(days, **values):
        start = now + timedelta(days=days)
        return create_training(campaign=campaign, starts_at=start, ends_at=start + timedelta(hours=2), **values)
    return {
        "open": at(-1 / 48, title=LONG_TITLE, capacity=40, place="Nhà văn hóa buôn Cư Ê Wi", trainer="Đoàn Thanh niên xã"),
        "planned": at(2, title="Cài đặt ứng dụng VNeID", village=tree["village2"]),
        "held": at(-3, title="Thanh toán không dùng tiền mặt", status=TrainingStatus.held),
        "cancelled": at(-1, title="Nhận diện lừa đảo trên mạng", status=TrainingStatus.cancelled,
                        cancel_reason="Mưa lớn, đường vào buôn bị ngập"),
        "elsewhere": at(1, title="Sử dụng Zalo an toàn", village=tree["other_village"]),
    }


def _attendance(create_participant, training, tree, coordinator):
    """Five people, four checked in (one check-in voided, one outcome ticked), two of them likely the same."""
    people = [create_participant(LONG_PERSON, phone="0912345678"), create_participant("H'Nga Niê Kdăm", birth_year=1975),
              create_participant("Y Bhim Êban", birth_year=1962, village=tree["village2"]),
              create_participant("Nguyen Thi Hoa Ban Me", birth_year=1980),
              create_participant("Nguyễn Thị Hoa Ban Mê", birth_year=1980)]
    now = utcnow()
    answers = [check_in(training, new_scan(person, at=now - timedelta(minutes=20 - n)), user=coordinator)
               for n, person in enumerate(people[:4])]
    void_checkin(answers[3].checkin, reason="Quét nhầm thẻ của người nhà", user=coordinator)
    record_outcomes(people[0], ["vneid_level2"], campaign=training.campaign, user=coordinator,
                    checkin=answers[0].checkin)
    return people


def _held_scan(coordinator, training, person, tree):
    """A volunteer enrolled by QR, revoked with a scan still on their phone; return the link's token and enrolment."""
    token, enrolment = open_enrolment(tree["commune"], 3, user=coordinator)
    enrolled = enrol_volunteer(enrolment, {"full_name": "Y Khoa Niê Kdăm – Đoàn Thanh niên buôn Cư Ê Wi"})
    revoke_volunteer(enrolled, user=coordinator)
    hold_items([scan_body(person, at=utcnow() - timedelta(minutes=5), training_id=training.id, shown="accepted")],
               volunteer=enrolled, reason="revoked")
    return token, enrolment


def _mail(db, tree):
    recipient = DigestRecipient(unit=tree["commune"], email=LONG_ADDRESS, name="Văn phòng Ban chỉ đạo xã", language="vi")
    db.session.add(recipient)
    for digest in db.session.scalars(db.select(Digest).where(Digest.unit_id == tree["commune"].id)):
        db.session.add(DigestEmail(digest=digest, recipient=recipient, email=LONG_ADDRESS, status=EmailStatus.failed,
                                   attempts=6, next_attempt_at=None, created_at=utcnow(),
                                   last_error="550 5.1.1 Recipient address rejected: User unknown in virtual mailbox"))


def variants(world):
    """Return the pages to open again in another state, as (endpoint, values to change)."""
    tree, trainings = world["tree"], world["trainings"]
    return [("campaigns.dashboard", {"unit": tree["commune"].code}),
            ("campaigns.dashboard", {"unit": tree["village"].code}),
            ("geo.unit_page", {"code": tree["province"].code}),
            ("geo.unit_page", {"code": tree["village"].code}),
            ("digests.digest_page", {"unit": tree["commune"].code}),
            ("digests.history", {"unit": tree["commune"].code}),
            ("public.unit_progress", {"code": tree["village"].code}),
            ("scan.scan_page", {"training": trainings["open"].id}),
            ("trainings.training_page", {"training_id": trainings["held"].id}),
            ("trainings.training_page", {"training_id": trainings["cancelled"].id}),
            ("trainings.list_trainings", {"date": today("Asia/Ho_Chi_Minh").isoformat()}),
            ("participants.list_participants", {"q": "hoa"}),
            ("participants.participant_page", {"participant_id": world["people"][2].id}),
            ("held.held_scans", {"status": "held"})]


def page_urls(app, world):
    """Return ``[(endpoint, url)]``: every page with its parameters filled, then the variants."""
    values, missing, urls = world["values"], [], []
    rules = sorted((rule for rule in app.url_map.iter_rules() if _is_page(rule)), key=lambda rule: rule.rule)
    with app.test_request_context():
        for rule in rules:
            known = {arg: values.get((rule.endpoint, arg), values.get(arg)) for arg in rule.arguments}
            missing += [f"{rule.endpoint} ({rule.rule}): {arg}" for arg, value in known.items() if value is None]
            if None not in known.values():
                urls.append((rule.endpoint, url_for(rule.endpoint, **known)))
        for endpoint, change in variants(world):
            rule = next(rule for rule in rules if rule.endpoint == endpoint)
            known = {arg: values.get((endpoint, arg), values.get(arg)) for arg in rule.arguments} | change
            urls.append((endpoint, url_for(endpoint, **known)))
    assert not missing, "the walk has no value for these URL parameters (add one to world(), or the route to " \
                        "NOT_PAGES with its reason):\n  " + "\n  ".join(missing)
    return urls


def walk(page, urls, who):
    """Open each URL; return ``({endpoint: [url]}, [problem lines])`` of the pages it could open."""
    opened, problems, seen = {}, [], set()
    for endpoint, url in urls:
        response = page.goto(url)
        if response.status in (403, 404):
            continue
        landed = urlsplit(page.url)._replace(scheme="", netloc="").geturl()
        if landed.startswith("/login?"):  # a page for signed-in people only: the login page is walked once
            continue
        if response.status >= 400:
            problems.append(f"{url} as {who or 'a visitor'}: HTTP {response.status}")
            continue
        if landed in seen:  # a redirect to a page walked already
            continue
        seen.add(landed)
        opened.setdefault(endpoint, []).append(url)
        found = phone_problems(page)
        if found:
            problems.append(f"{url} as {who or 'a visitor'}:\n    " + "\n    ".join(found))
        count = len(opened[endpoint])
        name = SCREENS[who].get(endpoint if count == 1 else f"{endpoint}#{count}")
        if name:
            screenshot(page, f"phone-{(who or 'visitor').replace('_', '-')}-{name}.png", full_page=True)
    return opened, problems


def sign_out(page, who):
    """Sign out from a page and stay on the signing-out page (its script, which goes on, is not loaded)."""
    page.route("**/static/js/logout.js", lambda route: route.abort())
    page.goto("/account/password")
    with page.expect_navigation():
        page.click("form[action$='/logout'] button[type=submit]")
    assert urlsplit(page.url).path == "/signing-out", page.url
    found = phone_problems(page)
    return [f"/signing-out as {who}:\n    " + "\n    ".join(found)] if found else []


def phone_context(browser, live_server):
    """A 360 px browser for the walk: no service worker (the walk reads pages, it does not scan), and the
    icon served from here (the browser fetches it after the page has loaded, and a walk moving on drops it)."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url,
                                  service_workers="block")
    context.set_default_timeout(15_000)
    context.route("**/static/img/icon.svg",
                  lambda route: route.fulfill(path=str(ICON), content_type="image/svg+xml"))
    return context


def test_every_page_fits_a_phone_for_every_role(app, world, users, browser, live_server):
    urls = page_urls(app, world)
    reached, problems, counts = set(), [], {}
    for who in ROLES:
        context = phone_context(browser, live_server)
        try:
            page = context.new_page()
            if who:
                sign_in(page, users[who].username)
            opened, found = walk(page, urls, who)
            if who:
                found += sign_out(page, who)
                opened.setdefault("auth.signing_out", []).append("/signing-out")
        finally:
            context.close()
        counts[who] = sum(len(found_urls) for found_urls in opened.values())
        reached |= set(opened)
        problems += found
    unreached = {endpoint for endpoint, _url in urls} - reached
    print("\npages walked at 360 px:", {who or "visitor": count for who, count in counts.items()},
          f"({len(reached)} of {len(reached | unreached)} routes; none could open {sorted(unreached)})")
    assert not problems, f"{len(problems)} pages do not fit a {VIEWPORT['width']} px phone:\n" + "\n".join(problems)
    too_few = {who or "visitor": count for who, count in counts.items() if count < MINIMUM_PAGES[who]}
    assert not too_few, f"roles reaching fewer pages than expected (is the sign-in or the data broken?): {too_few}"
    assert not unreached, f"pages no role could open (403/404 for all): {sorted(unreached)}"


def test_the_not_pages_are_routes_of_the_app(app):
    """A route removed or renamed is taken off ``NOT_PAGES`` too, so the list stays true."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(NOT_PAGES) <= endpoints, sorted(set(NOT_PAGES) - endpoints)


WIDE_TABLE_JS = """() => {
  const wrap = document.createElement("div");
  wrap.className = "table-wrap";
  const cells = n => Array.from({length: n}, (_, i) => `<td class="nowrap">Cột số ${i + 1} của bảng rất rộng</td>`).join("");
  wrap.innerHTML = `<table id="too-wide"><tbody><tr>${cells(8)}</tr></tbody></table>`;
  document.querySelector("main .card").appendChild(wrap);
}"""


def test_the_walk_fails_on_a_deliberately_wide_table(world, users, new_page):
    page = new_page(users["coordinator"])
    page.goto("/participants")
    assert_fits_the_phone(page)

    page.evaluate(WIDE_TABLE_JS)

    with pytest.raises(AssertionError) as failure:
        assert_fits_the_phone(page)
    assert "table#too-wide" in str(failure.value) and "outside div.table-wrap" in str(failure.value)


def test_the_walk_fails_on_a_small_button_and_a_page_wider_than_the_phone(world, users, new_page):
    page = new_page(users["coordinator"])
    page.goto("/participants")
    page.evaluate("""() => {
      document.querySelector("main").insertAdjacentHTML("beforeend",
        '<button id="tiny" style="padding:0;font-size:12px">Xóa</button><pre id="long">' + "x".repeat(200) + '</pre>');
    }""")

    problems = "\n".join(phone_problems(page))

    assert "the page is" in problems and "pre#long" in problems
    assert "button#tiny" in problems and "small target" in problems
