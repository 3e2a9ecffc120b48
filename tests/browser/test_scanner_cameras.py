"""The scanner's camera tools in headless Chromium on a 360 px phone: the switch between cameras and the torch.

Chromium's fake capture (``--use-fake-device-for-media-stream``) makes the cameras: ``device-count=N``
gives N of them, labelled ``fake_device_0`` … with their own ids, none reporting a ``facingMode`` (so
none is "front" or "rear") and none a torch. ``--use-file-for-fake-video-capture`` replaces them all
by the one camera that films the file, whatever the count: a card can only be filmed with one camera.
"""
import pytest

from tests.browser.conftest import VIEWPORT, chromium_path, sign_in
from tests.browser.phone import overflow_problems

#: The camera playing in the scanner's video other than ``other`` (an id): its label and id, once its
#: track is live and its frames show; else null.
PLAYING_JS = """(other) => {
  const video = document.getElementById("camera");
  const track = video.srcObject && video.srcObject.getVideoTracks()[0];
  if (!track || track.readyState !== "live" || video.paused || video.readyState < 2) return null;
  const id = track.getSettings().deviceId;
  return id === other ? null : { label: track.label, id };
}"""

#: Count the frames qr-scanner hands its decoder: a Web Worker, or the BarcodeDetector where Chromium has one.
DECODES_JS = """
window.__decodes = 0;
const post = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (message, ...rest) {
  if (message && message.type === "decode") window.__decodes += 1;
  return post.call(this, message, ...rest);
};
if (window.BarcodeDetector) {
  const detect = BarcodeDetector.prototype.detect;
  BarcodeDetector.prototype.detect = function (...args) { window.__decodes += 1; return detect.apply(this, args); };
}
"""


def _launch(browser, fake_devices):
    return browser.browser_type.launch(executable_path=chromium_path(), args=[
        "--no-sandbox", "--use-fake-ui-for-media-stream", f"--use-fake-device-for-media-stream={fake_devices}"])


@pytest.fixture(scope="module")
def two_cameras(browser):
    """A Chromium with two fake cameras."""
    camera = _launch(browser, "device-count=2")
    yield camera
    camera.close()


@pytest.fixture(scope="module")
def one_camera(browser):
    """A Chromium with one fake camera."""
    camera = _launch(browser, "device-count=1")
    yield camera
    camera.close()


@pytest.fixture
def open_scanner(live_server, users, open_training):
    """Open the volunteer's scanner on the open training in ``camera_browser``; wait for its camera tools."""
    contexts = []

    def _open_scanner(camera_browser):
        context = camera_browser.new_context(viewport=VIEWPORT, locale="vi-VN", base_url=live_server.url,
                                             permissions=["camera"])
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.add_init_script(DECODES_JS)
        sign_in(page, users["volunteer"].username)
        page.goto(f"/scan?training={open_training.id}")
        page.wait_for_selector("body[data-camera=on]")
        return page

    yield _open_scanner
    for context in contexts:
        context.close()


def playing(page, other_than=None):
    """Wait until a camera other than ``other_than`` plays in the scanner; return its label and id."""
    return page.wait_for_function(PLAYING_JS, arg=other_than and other_than["id"]).json_value()


def decoding(page):
    """Wait until the decoder gets new frames (a few more than now)."""
    seen = page.evaluate("window.__decodes")
    page.wait_for_function("(seen) => window.__decodes >= seen + 3", arg=seen)


def switch(page, other_than):
    """Press the switch; wait until another camera plays and the button is back; return that camera."""
    page.click("#switch")
    now = playing(page, other_than=other_than)
    page.wait_for_selector("#switch:enabled")
    return now


def test_with_two_cameras_the_switch_goes_to_the_other_one_and_back(two_cameras, open_scanner):
    """The switch changes the camera that plays (its track's id and label) and the decoder gets the new
    camera's frames; pressed again, the first camera is back. Chromium's fake cameras report no
    facingMode, as many real ones do: the switch must go by id. Neither has a torch: no Light button."""
    page = open_scanner(two_cameras)
    first = playing(page)
    assert page.is_visible("#switch") and page.is_hidden("#torch")
    assert overflow_problems(page) == []
    second = switch(page, other_than=first)
    assert second["label"] != first["label"] and page.is_hidden("#torch")
    decoding(page)
    assert switch(page, other_than=second) == first
    decoding(page)


def test_with_one_camera_and_no_torch_neither_the_switch_nor_the_light_shows(one_camera, open_scanner):
    """One camera: no switch. The Light button shows only for a camera with a torch; Chromium's fake
    cameras have none, so it stays hidden. Whether the torch itself lights cannot be tested in
    headless Chromium: no fake camera offers one (``torch`` is never in its track's settings)."""
    page = open_scanner(one_camera)
    playing(page)
    assert page.is_hidden("#switch") and page.is_hidden("#torch")
