// The training page's check-in box. After a check-in the page comes back scrolled to the box
// (#checkin) with the answer above it. Going to a fragment moves the focus to its target (or
// drops it), which also cancels `autofocus`; so once the page has loaded and scrolled, put the
// cursor back in the box, ready for the next code or the next card of a hardware QR scanner.
// A box that is not open yet reloads the page when check-in opens (the server's count of
// seconds, so a phone's wrong clock does not matter).
(function () {
  "use strict";
  var box = document.querySelector("input[data-refocus]");
  if (box) {
    window.addEventListener("load", function () {
      window.setTimeout(function () { box.focus({ preventScroll: true }); }, 0);
    });
  }
  var waiting = document.querySelector("form[data-opens-in]");
  if (waiting) {
    var seconds = parseInt(waiting.getAttribute("data-opens-in"), 10);
    if (seconds >= 0) {
      window.setTimeout(function () { window.location.reload(); }, (seconds + 2) * 1000);
    }
  }
})();
