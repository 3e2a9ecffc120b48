// The digest page's copy button: copies the chat text. Without JavaScript the button stays hidden
// and the text can be selected and copied by hand.
(function () {
  "use strict";
  function copy(button, field) {
    var done = function () { button.textContent = button.getAttribute("data-done"); };
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (document.execCommand("copy")) { done(); }
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  }
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () { copy(button, field); });
  });
}());
