"""What a page must be on a 360 px phone, checked in the browser: it scrolls down, never sideways, and
every control a finger taps is big enough.

**Sideways overflow.** The document is no wider than the viewport, and no box sticks out of the box
that holds it: each element and each run of text must end inside the nearest ancestor that scrolls
or clips sideways (``overflow-x`` other than ``visible``), or inside the viewport when there is none.
A table inside an ``overflow-x: auto`` wrapper that the reader has to scroll sideways is therefore an
offender (the wrapper hides the problem, it does not solve it), as is one cut off by ``overflow:
hidden``. Only deliberate truncation passes: text inside a box with ``text-overflow: ellipsis``.
The outermost box that sticks out is reported (a table, not its 40 cells).

**Tap targets** (WCAG 2.2 2.5.5 "Target Size (Enhanced)" asks 44 × 44 CSS px; Material asks 48 dp;
WCAG 2.5.8 allows 24 px with an exception for links in a sentence). A tap target is a visible,
enabled ``a[href]``, ``button``, ``input`` (not hidden), ``select``, ``textarea``, ``summary`` or
``[role=button]``. A checkbox or radio button is measured by its label when it has one (tapping the
label ticks it); otherwise by itself. The rule:

* every target's hit box (its border box, padding included) is at least 44 px high;
* and at least 44 px wide, except a text link in running prose: an inline ``<a>`` whose parent has
  words of its own around it (a link in a sentence is as wide as its words; WCAG's inline exception).
  Such a link must still be 44 px high, which padding gives it without moving the text's lines.
"""
from tests.browser.conftest import VIEWPORT

#: The boxes and runs of text that stick out of their scrolling or clipping box, or of the viewport.
OVERFLOW_JS = """() => {
  const viewport = document.documentElement.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    [...el.classList].slice(0, 3).map(c => "." + c).join("");
  const path = el => {
    const parts = [];
    for (let a = el; a && a !== document.body && parts.length < 4; a = a.parentElement) parts.unshift(name(a));
    return parts.join(" > ");
  };
  // The box an element must stay inside: its nearest ancestor that scrolls or clips sideways, else the viewport.
  const holder = el => {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== "visible") return a;
    }
    return null;
  };
  const limits = box => {
    if (!box) return [0, viewport, "the viewport"];
    const rect = box.getBoundingClientRect();
    const left = rect.left + box.clientLeft;
    return [left, left + box.clientWidth, name(box)];
  };
  const truncated = box => box && getComputedStyle(box).textOverflow === "ellipsis";
  const outside = (rect, box) => {
    const [left, right] = limits(box);
    return rect.right > right + 0.5 || rect.left < left - 0.5;
  };
  const sticksOut = new Set();
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 && rect.height <= 1) continue;  // not drawn, or visually hidden for screen readers
    if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;  // a chart's own geometry
    const box = holder(el);
    if (truncated(box) || !outside(rect, box)) continue;
    sticksOut.add(el);
    if (sticksOut.has(el.parentElement) && box !== el.parentElement) continue;  // the outermost box that sticks out
    const [left, right, what] = limits(box);
    found.push(`${path(el)}: ${Math.round(rect.left)}–${Math.round(rect.right)} px, ` +
               `outside ${what} (${Math.round(left)}–${Math.round(right)} px)`);
  }
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || sticksOut.has(parent) || parent.closest("svg, script, style, template")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width <= 1) continue;
    const box = getComputedStyle(parent).overflowX !== "visible" ? parent : holder(parent);
    if (truncated(box) || !outside(rect, box)) continue;
    found.push(`text in ${path(parent)}: ${Math.round(rect.left)}–${Math.round(rect.right)} px, ` +
               `outside ${limits(box)[2]}: ` + JSON.stringify(node.textContent.trim().slice(0, 60)));
  }
  return {width: document.documentElement.scrollWidth, viewport, found};
}"""

#: The tap targets smaller than the rule allows, as "what (width × height px): text".
TAP_TARGETS_JS = """minimum => {
  const SELECTOR = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]";
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    [...el.classList].slice(0, 3).map(c => "." + c).join("") +
    (el.tagName === "INPUT" ? `[type=${el.type}]` : "");
  const where = el => {
    const parts = [];
    for (let a = el.parentElement; a && a !== document.body && parts.length < 2; a = a.parentElement) parts.unshift(name(a));
    return parts.join(" > ");
  };
  // A link in a sentence: inline, and its parent has words of its own (not only spaces and punctuation).
  const inProse = el => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    return [...el.parentElement.childNodes].some(n => n.nodeType === Node.TEXT_NODE && /[\\p{L}\\p{N}]/u.test(n.textContent));
  };
  const labelOf = el => el.closest("label") ||
    (el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null);
  const found = [];
  const seen = new Set();
  for (const el of document.querySelectorAll(SELECTOR)) {
    if (el.disabled || el.closest("[inert]")) continue;
    const target = el.matches("input[type=checkbox], input[type=radio]") ? (labelOf(el) || el) : el;
    if (seen.has(target)) continue;
    seen.add(target);
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const rect = target.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;  // inside a closed <details>
    const narrowOk = inProse(target);
    if (rect.height >= minimum - 0.5 && (narrowOk || rect.width >= minimum - 0.5)) continue;
    const text = (target.innerText || target.value || target.getAttribute("aria-label") || "").trim().replace(/\\s+/g, " ");
    found.push(`${where(target)} > ${name(target)} (${Math.round(rect.width)} × ${Math.round(rect.height)} px` +
               `${narrowOk ? ", a link in a sentence" : ""}): ${JSON.stringify(text.slice(0, 40))}`);
  }
  return found;
}"""

#: The smallest hit box, in CSS px, on each side (WCAG 2.5.5).
MINIMUM_TARGET = 44


def overflow_problems(page):
    """Return what sticks out sideways on the page (empty when it scrolls down only)."""
    result = page.evaluate(OVERFLOW_JS)
    problems = list(result["found"])
    if result["width"] > VIEWPORT["width"]:
        problems.insert(0, f"the page is {result['width']} px wide in a {VIEWPORT['width']} px viewport")
    return problems


def small_targets(page):
    """Return the tap targets under 44 px (see the module's rule)."""
    return page.evaluate(TAP_TARGETS_JS, MINIMUM_TARGET)


def phone_problems(page):
    """Return every sideways overflow and small tap target of the page, each a line of text."""
    return [f"overflow: {line}" for line in overflow_problems(page)] + [
        f"small target: {line}" for line in small_targets(page)]


def assert_fits_the_phone(page, *, targets=True):
    """The page scrolls down, never sideways, and (unless ``targets`` is false) every tap target is 44 px."""
    problems = phone_problems(page) if targets else overflow_problems(page)
    assert not problems, f"{page.url} at {VIEWPORT['width']} px:\n  " + "\n  ".join(problems)
