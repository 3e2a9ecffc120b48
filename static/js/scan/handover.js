// Handing over: a volunteer whose access was withdrawn (or ran out) cannot record check-ins any more,
// but what their phone scanned before may be real attendance. The waiting items go to the server, to be
// kept for a coordinator's review (accepted or discarded there, never silently dropped), then leave the
// phone's queue as "handed over".
import * as store from "./store.js";

const FIELDS = ["scan_id", "training_id", "scanned_at", "qr", "code", "shown", "outcomes", "for_scan"];

async function item(scan) {
  const body = { kind: scan.kind || "scan" };
  for (const name of FIELDS) if (scan[name] !== undefined && scan[name] !== null) body[name] = scan[name];
  if (scan.kind === "walk_in") body.details = scan.details;
  if (scan.kind === "outcomes") {
    const first = await store.getScan(scan.for_scan);
    if (first?.participant_id) body.participant_id = first.participant_id;
  }
  return body;
}

// Hand over every waiting item of ``user``; return how many the server now keeps (or had recorded).
export async function handOver(url, user) {
  const waiting = (await store.waitingScans()).filter((scan) => scan.user === user);
  if (!waiting.length) return 0;
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json",
               "X-CSRFToken": document.body.dataset.csrf, "Accept-Language": document.documentElement.lang },
    body: JSON.stringify({ items: await Promise.all(waiting.map(item)) }),
  });
  if (!response.ok) throw new Error(`held ${response.status}`);
  let kept = 0;
  for (const result of (await response.json()).results) {
    if (result.status === "held" || result.status === "recorded") {
      kept += 1;
      await store.settleScan(result.scan_id, { state: "held", result: "held", handed_over_at: new Date().toISOString() });
    } else if (result.scan_id) {
      await store.settleScan(result.scan_id, { state: "refused", result: "refused", message: result.error?.message || "" });
    }
  }
  return kept;
}

// How many items this phone handed over for ``user`` (for the message beside the queue).
export async function handedOver(user) {
  return (await store.allScans()).filter((scan) => scan.user === user && scan.state === "held").length;
}
