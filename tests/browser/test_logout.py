"""Signing out from the main header in headless Chromium: the scanner's waiting scans are sent with its
own token, then its IndexedDB and kept pages are cleared; a browser that never scanned goes straight on."""
import sqlalchemy as sa

from tests.browser.conftest import SENDING, SYNC_PATH
from tests.browser.test_scanner import STORED_JS
from tracker.checkins.models import CheckIn, CheckInSource
from tracker.events.models import Event

CACHES_JS = "() => caches.keys()"
DATABASES_JS = "async () => (await indexedDB.databases()).map((database) => database.name)"


def _checkins(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(CheckIn)).all()


def _queue_a_scan_offline(page, live_server, training, person):
    """Scan ``person`` on the scanner while its sending fails; the scan waits in IndexedDB."""
    page.goto(f"/scan?training={training.id}")
    page.wait_for_selector("body[data-roster=fresh]")
    live_server.fail(*SENDING)
    page.fill("#manual-code", person.code)
    page.press("#manual-code", "Enter")
    page.wait_for_selector("#status.accepted")
    page.wait_for_selector("#queue[data-waiting='1']", timeout=20_000)  # a failed send, then a report: slow under load
    page.goto("/trainings")  # leave the scanner (its retries stop), still failing to send
    live_server.fail(SYNC_PATH)


def test_the_header_sign_out_sends_the_waiting_scan_once_and_clears_the_scanner(new_page, live_server, db, users, open_training,
                                                                                 create_participant, tree):
    person = create_participant("H'Nhung Niê Kđăm", village=tree["village2"])
    page = new_page(users["volunteer"])
    _queue_a_scan_offline(page, live_server, open_training, person)
    assert _checkins(db) == []
    live_server.recover()
    with page.expect_navigation(url="**/login*"):
        page.click("header .who button")
    assert page.inner_text("main .flash") == "Bạn đã đăng xuất."
    [checkin] = _checkins(db)
    assert checkin.participant_id == person.id and checkin.is_offline and checkin.source == CheckInSource.sync
    assert checkin.volunteer_id == users["volunteer"].id
    assert db.session.scalar(sa.select(sa.func.count(Event.id)).where(Event.type == "checkin.recorded")) == 1
    assert page.evaluate(STORED_JS) == {"scans": [], "rosters": [], "meta": []}
    assert "scan-pages" not in page.evaluate(CACHES_JS)
    page.goto("/trainings")
    assert "/login" in page.url  # signed out


def test_scans_that_cannot_be_sent_stay_without_names_and_the_volunteer_is_told(new_page, live_server, db, users, open_training,
                                                                                create_participant, tree):
    person = create_participant("Y Bih Êban", village=tree["village2"])
    page = new_page(users["volunteer"])
    _queue_a_scan_offline(page, live_server, open_training, person)
    page.click("header .who button")  # the sync still fails
    page.wait_for_selector("#signing-out[data-waiting='1']")
    status = page.inner_text("#signing-out-status")
    assert status.startswith("1 ") and "đăng nhập lại" in status
    stored = page.evaluate(STORED_JS)
    assert [(scan["state"], scan["name"]) for scan in stored["scans"]] == [("waiting", None)]
    assert stored["rosters"] == [] and stored["meta"] == []
    assert "scan-pages" not in page.evaluate(CACHES_JS) and _checkins(db) == []
    with page.expect_navigation(url="**/login*"):
        page.click("#to-login")


def test_a_browser_that_never_scanned_goes_straight_to_the_login_page(new_page, users):
    page = new_page(users["coordinator"])
    page.goto("/trainings")
    with page.expect_navigation(url="**/login*"):
        page.click("header .who button")
    assert page.inner_text("main .flash") == "Bạn đã đăng xuất."
    assert "tracker-scanner" not in page.evaluate(DATABASES_JS)


def test_without_javascript_signing_out_goes_on_to_the_login_page(new_page, users):
    page = new_page(users["coordinator"], java_script_enabled=False)
    page.goto("/trainings")
    page.click("header .who button")
    page.wait_for_url("**/login")
    assert page.inner_text("main .flash") == "Bạn đã đăng xuất."


#: A walk-in queued on the scanner (it has no batch endpoint): it must never be sent as a scan, nor dropped.
QUEUE_WALK_IN_JS = """([trainingId, userId]) => new Promise((resolve, reject) => {
  const open = indexedDB.open("tracker-scanner", 1);
  open.onsuccess = () => {
    const tx = open.result.transaction("scans", "readwrite");
    tx.objectStore("scans").put({kind: "walk_in", scan_id: "6f0c4a52-1d7e-4f0e-9d43-3f1b1c2a9e01", state: "waiting",
      training_id: trainingId, user: userId, scanned_at: new Date().toISOString(), name: "H'Hen Niê",
      details: {full_name: "H'Hen Niê", birth_year: 1990, gender: "female", ethnicity: "Ê Đê", consent: true}});
    tx.oncomplete = () => resolve(true);
    tx.onerror = () => reject(tx.error);
  };
})"""


def test_a_queued_walk_in_is_kept_without_its_name_while_the_scans_go(new_page, live_server, db, users, open_training,
                                                                       create_participant, tree):
    person = create_participant("Y Bih Êban", village=tree["village2"])
    page = new_page(users["volunteer"])
    _queue_a_scan_offline(page, live_server, open_training, person)
    page.evaluate(QUEUE_WALK_IN_JS, [open_training.id, users["volunteer"].id])
    live_server.recover()
    page.click("header .who button")
    page.wait_for_selector("#signing-out[data-waiting='1']")
    [checkin] = _checkins(db)
    assert checkin.participant_id == person.id and checkin.is_offline
    stored = page.evaluate(STORED_JS)
    assert [(scan.get("kind"), scan["state"], scan["name"]) for scan in stored["scans"]] == [("walk_in", "waiting", None)]
    assert stored["scans"][0]["details"]["full_name"] == "H'Hen Niê" and stored["meta"] == []
