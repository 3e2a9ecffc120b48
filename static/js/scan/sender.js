// Sending scans: at once when online, else in batches to the sync endpoint, retried with back-off.
import * as store from "./store.js";
import { handOver, handedOver } from "./handover.js";

const FIRST_DELAY = 2000;
const MAX_DELAY = 5 * 60 * 1000;
const BATCH = 100;
const SCAN_FIELDS = ["scan_id", "scanned_at", "shown", "qr", "code", "outcomes"];

export class SignedOut extends Error {
  constructor(message = "", code = "") {
    super(message);
    this.code = code;  // access_revoked / access_expired: the volunteer's access ended
  }
}

const ACCESS_ENDED = ["access_revoked", "access_expired"];

function fields(scan, extra) {
  const body = { ...extra };
  for (const name of SCAN_FIELDS) if (scan[name] !== undefined) body[name] = scan[name];
  return body;
}

// What a stored scan becomes once the server has answered it.
export function settlement(answer) {
  if (answer.result === "checked_in" || answer.result === "already_checked_in") {
    return { state: "sent", result: answer.result, name: answer.participant.full_name,
             participant_id: answer.participant.id, checkin_id: answer.id, checked_in_at: answer.checked_in_at,
             sent_at: new Date().toISOString() };
  }
  return { state: "refused", result: "refused", message: answer.error?.message || answer.message || "" };
}

// What a walk-in becomes once registered: the person's new code, their check-in's id.
function walkInSettlement(answer) {
  return { state: "sent", result: "checked_in", name: answer.participant.full_name, person: answer.participant.code,
           participant_id: answer.participant.id, checkin_id: answer.checkin.id,
           checked_in_at: answer.checkin.checked_in_at, sent_at: new Date().toISOString() };
}

// Read a single request's answer; a server error or a lost network throws, to be tried again later.
async function answered(response, settle) {
  if (response.status >= 500) throw new Error(`server ${response.status}`);
  const answer = await response.json();
  return response.ok ? settle(answer) : refusal(answer.error || {});
}

// A refusal says why, down to the first field the server named (a walk-in's phone, say).
function refusal(error) {
  const first = Object.values(error.fields || {}).flat().find((text) => typeof text === "string");
  const message = [error.message, first !== error.message && first].filter(Boolean).join(" ");
  return { state: "refused", result: "refused", message };
}

export class Sender {
  constructor(config, { onSettled, onQueue }) {
    this.urls = config.urls;
    this.user = config.user;
    this.campaign = config.campaign_id;
    this.onSettled = onSettled;
    this.onQueue = onQueue;
    this.delay = FIRST_DELAY;
    this.busy = false;
    this.problem = null;
    this.inFlight = new Set();
  }

  // Start the automatic sending: now, when the network returns, and every 20 s while scans wait.
  start() {
    window.addEventListener("online", () => { this.delay = FIRST_DELAY; this.flush(); });
    window.addEventListener("offline", () => this.report());
    setInterval(() => { if (!this.busy && !this.timer) this.flush(); }, 20000);
    this.flush();
  }

  async token(renew = false) {
    const kept = await store.getMeta("token");
    if (!renew && kept && kept.user === this.user && new Date(kept.expires_at) - Date.now() > 60000) return kept.token;
    const response = await fetch(this.urls.token, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": document.body.dataset.csrf, Accept: "application/json" } });
    if (response.status === 401 || response.status === 400 || response.redirected) throw new SignedOut();
    if (response.status === 403) {
      // A volunteer whose access was withdrawn or ran out has no password to sign in again with: say why.
      const refusal = await response.json().catch(() => null);
      throw new SignedOut(refusal?.error?.message || "", refusal?.error?.code || "");
    }
    if (!response.ok) throw new Error(`token ${response.status}`);
    const issued = await response.json();
    await store.setMeta("token", { token: issued.token, expires_at: issued.expires_at, user: this.user });
    return issued.token;
  }

  // Call the API with the bearer token, renewing it once if the server no longer accepts it.
  async api(url, { method = "GET", body, headers = {} } = {}) {
    for (const renew of [false, true]) {
      // The server's refusals come in the page's language, whatever the phone's own.
      const init = { method, headers: { ...headers, Authorization: `Bearer ${await this.token(renew)}`,
                                        "Accept-Language": document.documentElement.lang } };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers["Content-Type"] = "application/json";
      }
      const response = await fetch(url, init);
      if (response.status !== 401) return response;
    }
    throw new SignedOut();
  }

  // Send a scan (walk-in, outcomes) just made; if the network fails it waits for the next batch, marked offline.
  async sendNow(scan) {
    if (!navigator.onLine) return this.report();
    this.inFlight.add(scan.scan_id);
    try {
      await this.sendOne(scan);
      await store.setMeta("last_sync", new Date().toISOString());
      this.problem = null;
    } catch (error) {
      this.problem = error;
      await store.settleScan(scan.scan_id, { offline: true });
      this.later();
    } finally {
      this.inFlight.delete(scan.scan_id);
    }
    // Outcomes ticked while their scan was on its way wait for it: send them now.
    if (!this.problem && (await store.waitingScans()).some((item) => item.for_scan === scan.scan_id)) this.flush();
    this.report();
  }

  // Send one queued item by itself and settle it with the answer (null: not its turn yet).
  async sendOne(item) {
    let change;
    if (item.kind === "walk_in") change = await this.postWalkIn(item);
    else if (item.kind === "outcomes") change = await this.postOutcomes(item);
    else change = await answered(await this.api(this.urls.checkin, { method: "POST",
      body: fields(item, { source: item.source }) }), settlement);
    if (change) await this.settle(item, change);
  }

  async postWalkIn(item) {
    const body = { ...item.details, scan_id: item.scan_id, scanned_at: item.scanned_at, shown: item.shown,
                   outcomes: item.outcomes || [] };
    return answered(await this.api(this.urls.walk_in, { method: "POST", body }), walkInSettlement);
  }

  // Outcomes ticked once their scan was sent go to the person's outcomes, after the scan has settled.
  async postOutcomes(item) {
    const scan = await store.getScan(item.for_scan);
    if (scan?.state === "waiting") return null;
    if (!scan?.participant_id) return { state: "refused", result: "refused", message: "" };
    const body = { campaign_id: item.campaign_id, outcomes: item.outcomes };
    const url = this.urls.outcomes.replace("{id}", scan.participant_id);
    return answered(await this.api(url, { method: "POST", body }), () => ({ state: "sent", result: "recorded" }));
  }

  // Store the answer; outcomes ticked on the scan while it was being sent follow it on their own.
  async settle(item, change) {
    const stored = await store.settleScan(item.scan_id, change);
    const missed = (stored?.outcomes || []).filter((key) => !(item.outcomes || []).includes(key));
    if (stored && missed.length && change.state === "sent") {
      await store.putScan({ kind: "outcomes", scan_id: store.newId(), for_scan: item.scan_id, outcomes: missed,
                            campaign_id: this.campaign, training_id: item.training_id, state: "waiting",
                            scanned_at: new Date().toISOString(), user: this.user });
    }
    this.settled(stored);
  }

  // Send every waiting scan, oldest first, in batches; on failure try again later, waiting longer each time.
  async flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.busy) return;
    this.busy = true;
    try {
      // Only this user's scans: another's wait on the phone until they sign in again.
      const mine = (scan) => scan.user === this.user && !this.inFlight.has(scan.scan_id);
      const waiting = (await store.waitingScans()).filter(mine).sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
      const scans = waiting.filter((scan) => !scan.kind);
      for (const scan of waiting) this.inFlight.add(scan.scan_id);
      try {
        for (let start = 0; start < scans.length; start += BATCH) await this.sendBatch(scans.slice(start, start + BATCH));
        // Walk-ins, then the outcomes of what was just sent, one by one: they have no batch endpoint.
        for (const kept of waiting.filter((scan) => scan.kind)) {
          const item = await store.getScan(kept.scan_id);
          if (item?.state === "waiting") await this.sendOne(item);
        }
      } finally {
        for (const scan of waiting) this.inFlight.delete(scan.scan_id);
      }
      if (waiting.length) await store.setMeta("last_sync", new Date().toISOString());
      this.delay = FIRST_DELAY;
      this.problem = null;
    } catch (error) {
      this.problem = error;
      if (ACCESS_ENDED.includes(error.code)) await this.handOver();
      else this.later();
    } finally {
      this.busy = false;
    }
    this.report();
  }

  // The access ended: hand what waits over for the coordinator's review (tried again on the next flush).
  async handOver() {
    try {
      await handOver(this.urls.held, this.user);
    } catch (error) {
      this.later();
    }
  }

  async sendBatch(scans) {
    const body = { scans: scans.map((scan) => fields(scan, { training_id: scan.training_id })) };
    const response = await this.api(this.urls.sync, { method: "POST", body });
    if (!response.ok) throw new Error(`sync ${response.status}`);
    for (const result of (await response.json()).results) {
      // A refusal that a later try may not repeat (the server busy) keeps the scan waiting.
      if (result.status >= 500) continue;
      const scan = scans.find((item) => item.scan_id === result.scan_id);
      if (scan) await this.settle(scan, { ...settlement(result), offline: true });
    }
  }

  later() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.delay);
    this.delay = Math.min(this.delay * 2, MAX_DELAY);
  }

  settled(scan) {
    if (scan) this.onSettled(scan);
  }

  async report() {
    const waiting = (await store.waitingScans()).length;
    this.onQueue({ waiting, lastSync: await store.getMeta("last_sync"), online: navigator.onLine,
                   handedOver: await handedOver(this.user),
                   signedOut: this.problem instanceof SignedOut,
                   refusal: this.problem instanceof SignedOut ? this.problem.message : "" });
  }
}
