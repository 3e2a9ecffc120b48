// Signing out from any page (auth/logout.html): the session has ended on the server. What the scanner
// (static/js/scan/) keeps in this browser is handled by the scanner's own rules: this user's waiting
// scans are sent with the bearer token the scanner kept for this user; whatever cannot be sent stays on
// the phone without names, for the same user's next sign-in; the roster, the token and the kept pages go.
import * as store from "./scan/store.js";
import { settlement } from "./scan/sender.js";

const DATABASE = "tracker-scanner";
const PAGE_CACHE = "scan-pages";
const BATCH = 100;
const SEND_TIMEOUT = 15000;
const SCAN_FIELDS = ["scan_id", "scanned_at", "shown", "qr", "code", "outcomes"];

const root = document.getElementById("signing-out");
const user = Number(root.dataset.user);

// Whether this browser holds anything of the scanner (without creating its database when it does not).
async function scannerWasHere() {
  const cached = "caches" in window && (await caches.has(PAGE_CACHE));
  if (!indexedDB.databases) return true;
  return cached || (await indexedDB.databases()).some((database) => database.name === DATABASE);
}

// Whether the scanner's own sign-out has not already cleared this browser (it warned of what waits).
async function leftToClear() {
  const database = await store.openStore();
  const count = (name) => new Promise((resolve, reject) => {
    const request = database.transaction(name).objectStore(name).count();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const scans = await store.allScans();
  return (await count("rosters")) > 0 || (await count("meta")) > 0
    || scans.some((scan) => scan.state !== "waiting" || scan.name);
}

function body(scans) {
  return { scans: scans.map((scan) => {
    const item = { training_id: scan.training_id };
    for (const name of SCAN_FIELDS) if (scan[name] !== undefined) item[name] = scan[name];
    return item;
  }) };
}

// Send this user's waiting scans, oldest first, in batches; stop at the first failure (they stay waiting).
// Other queued items (a walk-in, outcomes ticked later: ``kind``) have no batch endpoint: they stay
// waiting, counted in the warning, and the scanner sends them at the same user's next sign-in.
async function sendWaiting() {
  const kept = await store.getMeta("token");
  if (!navigator.onLine || !kept || kept.user !== user || new Date(kept.expires_at) <= Date.now()) return;
  const mine = (await store.waitingScans()).filter((scan) => scan.user === user && !scan.kind)
    .sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
  for (let start = 0; start < mine.length; start += BATCH) {
    const response = await fetch(root.dataset.sync, {
      method: "POST", signal: AbortSignal.timeout?.(SEND_TIMEOUT), body: JSON.stringify(body(mine.slice(start, start + BATCH))),
      headers: { Authorization: `Bearer ${kept.token}`, "Content-Type": "application/json",
                 "Accept-Language": document.documentElement.lang } });
    if (!response.ok) return;
    for (const result of (await response.json()).results) {
      if (result.status < 500) await store.settleScan(result.scan_id, { ...settlement(result), offline: true });
    }
  }
}

async function signOut() {
  if (!(await scannerWasHere())) return 0;
  const warn = await leftToClear();
  try {
    await sendWaiting();
  } catch (error) {
    console.warn("signing out: the waiting scans could not be sent", error);
  }
  const waiting = (await store.waitingScans()).length;
  await store.forgetUser();
  if ("caches" in window) await caches.delete(PAGE_CACHE);
  return warn ? waiting : 0;
}

async function main() {
  let waiting = 0;
  try {
    waiting = await signOut();
  } catch (error) {
    console.warn("signing out: the scanner's data could not be cleared", error);
  }
  if (!waiting) {
    window.location.replace(root.dataset.login);
    return;
  }
  const status = document.getElementById("signing-out-status");
  status.textContent = root.dataset.kept.replace("%(count)s", waiting);
  status.classList.add("error");
  root.dataset.waiting = String(waiting);
  document.getElementById("to-login").focus();
}

main();
