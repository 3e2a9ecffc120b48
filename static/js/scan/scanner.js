// The scanner page: camera, the answer at once from the roster, every scan kept in IndexedDB first.
import QrScanner from "../../vendor/qr-scanner/qr-scanner.min.js";
import "../live.js";
import { signal } from "./feedback.js";
import { install } from "./install.js";
import { Sender } from "./sender.js";
import { Outcomes } from "./outcomes.js";
import { guardSignOut } from "./signout.js";
import * as store from "./store.js";
import { newId } from "./store.js";
import { reopenWalkIn, walkInForm } from "./walkin.js";

const config = JSON.parse(document.getElementById("scan-config").textContent);
const T = config.texts;
const training = config.training;
const TOKEN_RE = /^PD\d{1,3}\.([2-9A-HJ-NP-Z]{8})\.[A-Z2-7]{16}$/;
const CODE_RE = /^[2-9A-HJ-NP-Z]{8}$/;
const COOL_DOWN = 3000;
const RECENT = 8;
const $ = (id) => document.getElementById(id);
const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23",
                                                 timeZone: training.timezone });
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
let roster = { people: {}, checked: {}, ids: {} };
// Handed-over items do not count until a coordinator accepts them.
const COUNTS = (scan) => scan.kind !== "outcomes" && !["refused", "voided", "held"].includes(scan.state);
let latest = null;
const seen = new Map();

// What a scanned or typed text is: a card's token, a typed code, or nothing of ours.
function readCard(text) {
  const trimmed = text.trim();
  const token = TOKEN_RE.exec(trimmed);
  if (token) return { qr: trimmed, code: token[1] };
  const code = trimmed.replace(/[\s-]/g, "").toUpperCase();
  return CODE_RE.test(code) ? { code: code, typed: true } : null;
}

function show(state, title, name = "", detail = "") {
  $("status").className = `status ${state}`;
  $("status-title").textContent = title;
  $("status-name").textContent = name;
  $("status-detail").textContent = detail;
}

// Refuse at the door what the server would refuse anyway, without sending it.
function refusal(card, at) {
  if (!card) return T.bad_card;
  if (training.cancelled) return T.cancelled;
  if (at < new Date(training.opens_at) || at > new Date(training.closes_at)) {
    return fill(T.closed, { opens: training.opens, closes: training.closes });
  }
  return null;
}

async function earlierScan(code) {
  if (roster.checked[code]) return roster.checked[code];
  const mine = (await store.scansOf(training.id)).filter((s) => s.person === code && COUNTS(s));
  return mine.length ? (mine[0].checked_in_at || mine[0].scanned_at) : null;
}

async function handle(text, source) {
  const at = new Date();
  const card = readCard(text);
  const refused = refusal(card, at);
  if (refused) return answer("refused", T.refused, "", refused);
  const earlier = await earlierScan(card.code);
  const name = roster.people[card.code];
  if (earlier) return answer("refused", fill(T.already, { time: clock.format(new Date(earlier)) }), name || card.code);
  const scan = { scan_id: newId(), training_id: training.id, scanned_at: at.toISOString(), source, person: card.code,
                 shown: name ? "accepted" : "pending", offline: !navigator.onLine, state: "waiting", name: name || null,
                 user: config.user };
  if (card.qr) scan.qr = card.qr;
  else scan.code = card.code;
  await store.putScan(scan);
  latest = scan.scan_id;
  if (name) answer("accepted", T.accepted, name, clock.format(at));
  else answer("pending", T.pending, card.code, T.pending_long);
  outcomes.offer(name ? scan : null);
  await render();
  sender.sendNow(scan);
}

// A walk-in kept on the phone: amber until the server has registered the person, then green.
async function walkedIn(item) {
  latest = item.scan_id;
  answer("pending", T.walk_in, item.name, navigator.onLine ? T.walk_in_long : T.walk_in_waiting);
  outcomes.offer(item);
  await render();
  sender.sendNow(item);
}

function answer(state, title, name, detail = "") {
  if (state === "refused") outcomes.offer(null);
  show(state, title, name, detail);
  signal(state);
}

// A scan the server has settled: update the list, and the big answer if it is still the last scan.
async function settled(scan) {
  if (scan.scan_id === latest) {
    if (scan.kind === "walk_in" && scan.state === "sent") {
      answer("accepted", T.walk_in, scan.name, fill(T.walk_in_card, { code: scan.person }));
    } else if (scan.kind === "walk_in" && scan.state === "refused") {
      answer("refused", T.refused, scan.name, scan.message);
      reopenWalkIn(scan.details);
    } else if (scan.state === "refused") answer("refused", T.refused, scan.name || scan.person, scan.message);
    else if (scan.result === "already_checked_in") {
      answer("refused", fill(T.already, { time: clock.format(new Date(scan.checked_in_at)) }), scan.name);
    } else if (scan.shown === "pending") {
      answer("accepted", T.accepted, scan.name, clock.format(new Date(scan.scanned_at)));
      outcomes.offer(scan);
    }
  }
  await render();
}

function label(scan) {
  if (scan.state === "voided") return ["voided", T.undone];
  if (scan.state === "refused") return ["refused", scan.message || T.refused];
  if (scan.state === "held") return ["pending", T.held_one];
  if (scan.result === "already_checked_in") return ["refused", fill(T.already, { time: clock.format(new Date(scan.checked_in_at)) })];
  if (scan.kind === "walk_in") {
    return scan.state === "sent" ? ["accepted", fill(T.walk_in_sent, { code: scan.person })] : ["pending", T.walk_in_waiting];
  }
  if (scan.state === "sent") return ["accepted", T.sent];
  return [scan.shown, T.waiting_one];
}

// Coordinators undo any check-in; the volunteer who scanned, their own for 5 minutes after it was sent.
function undoable(scan) {
  if (scan.state !== "sent" || scan.result !== "checked_in" || scan.undo_refused) return false;
  if (config.can_void) return true;
  const since = Date.now() - new Date(scan.sent_at || scan.scanned_at).getTime();
  return scan.user === config.user && since < config.own_undo_seconds * 1000;
}

async function render() {
  const scans = (await store.scansOf(training.id)).filter((scan) => scan.kind !== "outcomes")
    .sort((a, b) => b.scanned_at.localeCompare(a.scanned_at));
  // The server's list of who is in, and this phone's scans it cannot know of yet (waiting, or sent since).
  const known = (scan) => scan.state === "sent" && roster.as_of && new Date(scan.sent_at || 0).getTime() < roster.as_of;
  const counted = new Set(Object.keys(roster.checked));
  for (const scan of scans) if (COUNTS(scan) && !known(scan)) counted.add(scan.person || scan.scan_id);
  $("count").textContent = counted.size;
  $("recent").replaceChildren(...scans.slice(0, RECENT).map((scan) => {
    const [state, text] = label(scan);
    const item = document.createElement("li");
    item.className = state;
    item.dataset.scan = scan.scan_id;
    const who = document.createElement("strong");
    who.textContent = scan.name || scan.person;
    const when = document.createElement("time");
    when.textContent = clock.format(new Date(scan.scanned_at));
    const what = document.createElement("span");
    what.textContent = text;
    item.append(when, who, what);
    if (undoable(scan)) {
      const undo = document.createElement("button");
      undo.type = "button";
      undo.className = "undo";
      undo.textContent = T.undo;
      item.append(undo);
    }
    return item;
  }));
}

function queue({ waiting, lastSync, online, signedOut, refusal, handedOver }) {
  const parts = [waiting ? fill(T.waiting, { count: waiting }) : T.none_waiting];
  if (lastSync) parts.push(fill(T.last_sync, { time: clock.format(new Date(lastSync)) }));
  if (signedOut) parts.push(refusal || T.signed_out);
  if (handedOver) parts.push(fill(T.handed_over, { count: handedOver }));
  else if (!online && waiting) parts.push(T.offline);
  $("queue").textContent = parts.join(" · ");
  $("queue").className = waiting ? "queue waiting" : "queue";
  $("queue").dataset.waiting = waiting;
}

// Keep the commune's roster on the phone; a refresh that finds nothing new costs a 304.
async function refreshRoster() {
  const kept = await store.getRoster(training.id);
  if (kept) roster = kept;
  document.body.dataset.roster = kept ? "kept" : "none";
  if (!navigator.onLine) return render();
  try {
    const headers = kept?.etag ? { "If-None-Match": kept.etag } : {};
    const asked = Date.now();
    const response = await sender.api(config.urls.roster, { headers });
    if (response.status !== 200) return;
    const body = await response.json();
    roster = { training_id: training.id, etag: response.headers.get("ETag"), people: Object.fromEntries(body.people),
               ...checkedIn(body.checked_in, asked) };
    await store.putRoster(roster);
    document.body.dataset.roster = "fresh";
  } catch (error) {
    console.warn("scanner: roster not refreshed", error);
  }
  await render();
}

// Who the server counts as checked in, as of a request sent at ``asked`` (this phone's clock).
function checkedIn(rows, asked) {
  return { checked: Object.fromEntries(rows.map(([code, at]) => [code, at])),
           ids: Object.fromEntries(rows.map(([code, , id]) => [code, id])), as_of: asked };
}

// Other volunteers' check-ins at this training, a few seconds after they are made (a 304 when
// none): the count follows them. Never offline; the roster of names still comes every minute.
function followCount() {
  TrackerLive.poll(config.urls.count, { interval: 5, immediate: false,
    fetch: (url, init) => sender.api(url, { headers: init.headers }),
    onData: async (body, asked) => {
      if (!body.checked_in) return;
      roster = { ...roster, training_id: training.id, ...checkedIn(body.checked_in, asked) };
      await store.putRoster(roster);
      await render();
    } });
}

async function startCamera() {
  const video = $("camera");
  const scanner = new QrScanner(video, (result) => onDecode(result.data), {
    preferredCamera: "environment", maxScansPerSecond: 8, returnDetailedScanResult: true,
    onDecodeError: () => {} });
  try {
    await scanner.start();
  } catch (error) {
    $("camera-message").textContent = T.no_camera;
    $("camera-message").hidden = false;
    video.hidden = true;
    document.body.dataset.camera = "none";
    return;
  }
  // The torch shows while the camera playing has one (a phone's rear camera, seldom its front one).
  const offerTorch = async () => { $("torch").hidden = !(await scanner.hasFlash()); };
  $("torch").addEventListener("click", () => scanner.toggleFlash());
  await offerTorch();
  // The switch goes round the cameras by id from the one playing (the rear one, which start() asked
  // for): many cameras report no facing mode, so "user"/"environment" may reopen the same one, and a
  // phone may have several rear cameras.
  const cameras = (await QrScanner.listCameras(true)).map((camera) => camera.id);
  if (cameras.length > 1) {
    $("switch").hidden = false;
    $("switch").addEventListener("click", async () => {
      const playing = video.srcObject?.getVideoTracks()[0]?.getSettings().deviceId;
      $("switch").disabled = true;  // one switch at a time
      try {
        await scanner.setCamera(cameras[(cameras.indexOf(playing) + 1) % cameras.length]);
        await offerTorch();
      } finally {
        $("switch").disabled = false;
      }
    });
  }
  document.body.dataset.camera = "on";
}

// Continuous scanning: a code still in view (or seen again within 3 s) is not scanned twice.
function onDecode(text) {
  const now = Date.now();
  const last = seen.get(text);
  seen.set(text, now);
  if (last && now - last < COOL_DOWN) return;
  handle(text, "camera");
}

// Undo a mistaken check-in, online: it stops counting and its record stays.
async function undo(scanId) {
  const scan = await store.getScan(scanId);
  const reason = window.prompt(T.undo_reason, T.undo_default);
  if (!scan || !reason || !reason.trim()) return;
  await refreshRoster();
  const id = scan.checkin_id || roster.ids?.[scan.person];
  try {
    const response = await sender.api(config.urls.void.replace("{id}", id), { method: "POST", body: { reason } });
    if (response.status === 403 && !config.can_void) {  // the server's 5 minutes are over
      await store.settleScan(scanId, { undo_refused: true });
      await render();
      return answer("refused", T.refused, scan.name, T.too_late);
    }
    if (!response.ok) throw new Error((await response.json()).error?.message || response.status);
  } catch (error) {
    return answer("refused", T.refused, scan.name, fill(T.undo_failed, { reason: error.message }));
  }
  await store.settleScan(scanId, { state: "voided" });
  delete roster.checked[scan.person];
  show("idle", T.undone, scan.name);
  await refreshRoster();
}

$("recent").addEventListener("click", (event) => {
  const button = event.target.closest("button.undo");
  if (button) undo(button.closest("li").dataset.scan);
});

$("manual").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("manual-code");
  if (input.value.trim()) handle(input.value, "manual");
  input.value = "";
  input.focus();
});

const sender = new Sender(config, { onSettled: settled, onQueue: queue });
const outcomes = new Outcomes(config, sender, $("outcomes"));
walkInForm(config, walkedIn);
setInterval(render, 15000);  // a volunteer's undo goes away 5 minutes after the scan
show("idle", T.ready);
install();
guardSignOut(() => sender.flush());
const rostered = refreshRoster();
rostered.then(() => { sender.start(); followCount(); });
window.addEventListener("online", refreshRoster);
setInterval(refreshRoster, 60000);
// The camera starts once the roster is in (the first card then turns green by name), or after 1.5 s at most.
Promise.race([rostered, new Promise((resolve) => setTimeout(resolve, 1500))]).then(startCamera);
