"""The scanner in headless Chromium on a 360 px phone: a fake camera shows a card the app made and the
page greets the person and checks them in; offline, the page opens from its service worker, answers
from the roster, keeps the scan, and sends it exactly once when the network returns.

TRACKER_SCREENS=1 also saves the screenshots docs/screens/scan-*.png (360 px wide)."""
import gzip
import io
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import SENDING, VIEWPORT, chromium_path, screenshot, sign_in
from tests.browser.phone import overflow_problems
from tests.browser.test_digest_pages import LONG_TITLE
from tracker.auth.models import ApiToken
from tracker.cards.render import render_qr_png
from tracker.cards.tokens import make_token
from tracker.checkins.models import CheckIn, CheckInSource, Shown


def write_y4m(path, image, frames=20):
    """Write ``image`` as a 640 × 480 YUV 4:2:0 video of ``frames`` frames, Chromium's fake camera format."""
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(image, ((640 - image.width) // 2, (480 - image.height) // 2))
    y, u, v = frame.convert("YCbCr").split()
    planes = y.tobytes() + u.resize((320, 240)).tobytes() + v.resize((320, 240)).tobytes()
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


def card_image(participant, box_size=7):
    """Return the participant's QR as the app renders it for the card."""
    return Image.open(io.BytesIO(render_qr_png(make_token(participant.code), box_size=box_size))).convert("RGB")


@pytest.fixture
def person(create_participant, tree):
    return create_participant(full_name="H'Nhung Niê Kđăm", village=tree["village2"])


@pytest.fixture
def camera_browser(browser, person, tmp_path):
    """A second Chromium whose camera films the person's card."""
    video = tmp_path / "card.y4m"
    write_y4m(video, card_image(person))
    args = ["--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"]
    camera = browser.browser_type.launch(executable_path=chromium_path(), args=args)
    yield camera
    camera.close()


#: Note when the camera's first frame plays (the card is in view from it) and when the answer turns green.
TIMING_JS = """
window.__scanTimes = {};
document.addEventListener("playing", () => { window.__scanTimes.playing ??= performance.now(); }, true);
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(() => {
    if (document.getElementById("status").classList.contains("accepted")) window.__scanTimes.green ??= performance.now();
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["class"] });
});
"""


def first_load_sizes(responses):
    """Return the gzip -6 size of each response body (what a compressing proxy sends), by path."""
    sizes = {}
    for url, response in responses.items():
        parts = urlsplit(url)
        if response.status in (200, 201) and parts.path.startswith(("/scan", "/static", "/api")):
            sizes[parts.path + (f"?{parts.query}" if parts.query else "")] = len(gzip.compress(response.body(), 6))
    return sizes


def _checkins(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(CheckIn)).all()


def test_the_camera_reads_a_card_and_the_person_is_checked_in(camera_browser, live_server, db, users, person,
                                                              open_training):
    context = camera_browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url,
                                         permissions=["camera"])
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, users["volunteer"].username)
        page.add_init_script(TIMING_JS)
        page.goto("about:blank")
        loaded = {}
        context.on("response", lambda response: loaded.setdefault(response.url, response))
        page.goto(f"/scan?training={open_training.id}")
        page.wait_for_selector("#status.accepted")
        assert page.inner_text("#status-name") == "H'Nhung Niê Kđăm"
        assert page.inner_text("#status-title") == "Đã điểm danh"
        page.wait_for_selector("#recent li.accepted >> text=đã gửi")
        assert page.inner_text("#count") == "1"
        screenshot(page, "scan-camera.png")
        page.wait_for_selector("body[data-offline=ready]")
        sizes = first_load_sizes(loaded)
        timing = page.evaluate("window.__scanTimes")
        # The card stays in view: continuous scanning does not scan it again after the 3 s cool-down.
        page.wait_for_timeout(3500)
        assert page.eval_on_selector("#status", "el => el.className") == "status accepted"
        assert page.eval_on_selector_all("#recent li", "items => items.length") == 1
    finally:
        context.close()
    # The first load, decoder and worker included, fits 150 KB compressed (docs/benchmarks.md).
    assert "/static/vendor/qr-scanner/qr-scanner-worker.min.js" in sizes and "/scan/sw.js" in sizes
    assert sum(sizes.values()) <= 150 * 1024, sizes
    print(f"\nfrom the first camera frame (the card in view) to the green screen: {timing['green'] - timing['playing']:.0f} ms")
    print(f"\nfirst load of the scanner: {len(sizes)} responses, {sum(sizes.values())} bytes gzipped: {sizes}")
    [checkin] = _checkins(db)
    assert (checkin.participant_id, checkin.training_id) == (person.id, open_training.id)
    assert checkin.source == CheckInSource.camera and checkin.is_offline is False
    assert checkin.shown == Shown.accepted and checkin.volunteer_id == users["volunteer"].id


def test_offline_the_page_opens_answers_from_the_roster_and_sends_the_scan_once(new_page, db, users, person,
                                                                                open_training):
    page = new_page(users["volunteer"])
    page.goto("/scan")
    page.wait_for_selector("body[data-offline=ready]")
    screenshot(page, "scan-list.png")
    assert overflow_problems(page) == []
    page.click(f"a[href='/scan?training={open_training.id}']")
    page.wait_for_selector("body[data-offline=ready][data-roster=fresh]")
    # No camera in this browser: the page says so and typing still works.
    page.wait_for_selector("#camera-message:not([hidden])")
    context = page.context
    context.set_offline(True)
    try:
        other = context.new_page()
        with pytest.raises(PlaywrightError):  # the network is really gone: a page the worker does not keep fails
            other.goto("/trainings")
        other.close()
        response = page.reload()
        assert response.from_service_worker
        page.wait_for_selector("body[data-roster=kept]")
        page.fill("#manual-code", person.code.lower())
        page.press("#manual-code", "Enter")
        page.wait_for_selector("#status.accepted")
        assert page.inner_text("#status-name") == "H'Nhung Niê Kđăm"
        page.wait_for_selector("#queue[data-waiting='1']")
        assert "1" in page.inner_text("#queue") and page.inner_text("#count") == "1"
        screenshot(page, "scan-offline.png")
        assert _checkins(db) == []
        # The list of open trainings opens offline too, as it was at the last visit.
        listing = context.new_page()
        assert listing.goto("/scan").from_service_worker
        assert listing.query_selector(f"a[href='/scan?training={open_training.id}']")
        listing.close()
    finally:
        context.set_offline(False)
    page.wait_for_selector("#queue[data-waiting='0']")
    page.wait_for_selector("#recent li.accepted >> text=đã gửi")
    [checkin] = _checkins(db)
    assert checkin.participant_id == person.id and checkin.is_offline is True
    assert checkin.shown == Shown.accepted and checkin.source == CheckInSource.sync


def test_green_amber_and_red_answers_at_360_px(new_page, db, users, person, open_training, create_participant, tree):
    visitor = create_participant("Lê Thị Mai", village=tree["other_village"])  # not in the commune's roster
    open_training.title = LONG_TITLE  # long names must wrap, not widen the page
    db.session.commit()
    page = new_page(users["volunteer"])
    page.goto(f"/scan?training={open_training.id}")
    page.wait_for_selector("body[data-roster=fresh]")
    page.fill("#manual-code", person.code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#recent li.accepted >> text=đã gửi")
    assert page.inner_text("#status-name") == "H'Nhung Niê Kđăm" and page.inner_text("#count") == "1"
    screenshot(page, "scan-green.png")
    page.fill("#manual-code", person.code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#status.refused")
    assert page.inner_text("#status-title").startswith("Đã điểm danh lúc ")
    screenshot(page, "scan-red.png")
    page.context.set_offline(True)
    page.fill("#manual-code", visitor.code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#status.pending")
    assert page.inner_text("#status-title") == "Sẽ được xác minh" and page.inner_text("#status-name") == visitor.code
    screenshot(page, "scan-amber.png")
    page.context.set_offline(False)
    # Settled on sync: the server knows the visitor, and the answer on screen turns green with the name.
    page.wait_for_selector("#status.accepted")
    assert page.inner_text("#status-name") == "Lê Thị Mai" and page.inner_text("#count") == "2"
    page.fill("#manual-code", "ZZZZ-ZZZZ")  # well-formed, nobody's: amber, then the server's refusal in Vietnamese
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#recent li.refused >> text=Không có người tham gia nào mang mã ZZZZZZZZ")
    assert overflow_problems(page) == []
    page.fill("#manual-code", "PD1.ABC")
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#status.refused >> text=Đây không phải thẻ người tham gia")
    assert len(_checkins(db)) == 2


STORED_JS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("tracker-scanner", 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction(["scans", "rosters", "meta"]);
    const all = (name) => new Promise((done) => { const r = tx.objectStore(name).getAll(); r.onsuccess = () => done(r.result); });
    Promise.all([all("scans"), all("rosters"), all("meta")]).then(([scans, rosters, meta]) => resolve({scans, rosters, meta}));
  };
})"""


def test_signing_out_warns_of_waiting_scans_keeps_them_and_sends_them_at_the_next_sign_in(new_page, live_server, db, users, person,
                                                                                         open_training):
    page = new_page(users["volunteer"])
    page.goto(f"/scan?training={open_training.id}")
    page.wait_for_selector("body[data-roster=fresh]")
    live_server.fail(*SENDING)  # the network fails under the scanner
    # A hardware scanner types the card's whole token into the box.
    page.fill("#manual-code", make_token(person.code))
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#status.accepted")
    page.wait_for_selector("#queue[data-waiting='1']")
    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    with page.expect_navigation(url="**/login*"):
        page.click("#sign-out button")
    assert warnings and warnings[0].startswith("1 ")
    stored = page.evaluate(STORED_JS)
    assert [scan["state"] for scan in stored["scans"]] == ["waiting"] and stored["scans"][0]["name"] is None
    assert stored["rosters"] == [] and stored["meta"] == []
    assert _checkins(db) == []
    live_server.recover()
    sign_in(page, users["volunteer"].username)
    page.goto(f"/scan?training={open_training.id}")
    page.wait_for_selector("#queue[data-waiting='0']")
    [checkin] = _checkins(db)
    assert checkin.participant_id == person.id and checkin.is_offline is True


def test_a_coordinator_undoes_a_mistaken_scan_and_a_volunteer_has_no_undo(new_page, db, users, person, tree,
                                                                          open_training, create_participant):
    other = create_participant("Y Bih Êban", village=tree["village"])
    volunteer = new_page(users["volunteer"])
    volunteer.goto(f"/scan?training={open_training.id}")
    volunteer.wait_for_selector("body[data-roster=fresh]")
    volunteer.fill("#manual-code", person.code)
    volunteer.press("#manual-code", "Enter")
    volunteer.wait_for_selector("#recent li.accepted >> text=đã gửi")
    assert volunteer.query_selector("#recent button.undo")  # their own fresh scan: see test_scanner_walkins.py
    page = new_page(users["coordinator"])
    page.goto(f"/scan?training={open_training.id}")
    page.wait_for_selector("body[data-roster=fresh]")
    assert page.inner_text("#count") == "1"
    page.fill("#manual-code", other.code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#recent li.accepted button.undo")
    assert page.inner_text("#count") == "2"
    page.once("dialog", lambda dialog: dialog.accept("Quét nhầm thẻ"))
    page.click("#recent li.accepted button.undo")
    page.wait_for_selector("#recent li.voided >> text=Đã hoàn tác")
    assert page.inner_text("#count") == "1"
    voided = [checkin for checkin in _checkins(db) if checkin.is_voided]
    assert [(c.participant_id, c.void_reason) for c in voided] == [(other.id, "Quét nhầm thẻ")]


def test_a_token_the_server_no_longer_accepts_is_renewed_without_losing_the_scan(new_page, db, users, person,
                                                                                 open_training):
    page = new_page(users["volunteer"])
    page.goto(f"/scan?training={open_training.id}")
    page.wait_for_selector("body[data-roster=fresh]")
    db.session.execute(sa.delete(ApiToken))  # as if it expired or was purged
    db.session.commit()
    page.fill("#manual-code", person.code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#recent li.accepted >> text=đã gửi")
    [checkin] = _checkins(db)
    assert checkin.participant_id == person.id and checkin.is_offline is False
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1


def test_a_failed_send_is_retried_by_itself_while_the_page_stays_open(new_page, live_server, db, users, person, open_training):
    page = new_page(users["volunteer"])
    page.goto(f"/scan?training={open_training.id}")
    page.wait_for_selector("body[data-roster=fresh]")
    live_server.fail(*SENDING)
    page.fill("#manual-code", person.code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#queue[data-waiting='1']")
    page.wait_for_timeout(2500)  # a first retry fails too: the next waits longer
    assert _checkins(db) == []
    live_server.recover()
    page.wait_for_selector("#queue[data-waiting='0']", timeout=20_000)
    [checkin] = _checkins(db)
    assert checkin.participant_id == person.id and checkin.is_offline is True
