// The scanner's IndexedDB: every scan is written here before it is sent, the roster and the token too.
const NAME = "tracker-scanner";
let opened = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function openStore() {
  if (!opened) {
    const req = indexedDB.open(NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore("scans", { keyPath: "scan_id" }).createIndex("training_id", "training_id");
      db.createObjectStore("rosters", { keyPath: "training_id" });
      db.createObjectStore("meta", { keyPath: "key" });
    };
    opened = request(req);
  }
  return opened;
}

async function run(name, mode, work) {
  const db = await openStore();
  const tx = db.transaction(name, mode);
  const result = await request(work(tx.objectStore(name)));
  if (mode === "readwrite") {
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  }
  return result;
}

export const putScan = (scan) => run("scans", "readwrite", (s) => s.put(scan));
export const getScan = (id) => run("scans", "readonly", (s) => s.get(id));
export const allScans = () => run("scans", "readonly", (s) => s.getAll());
export const scansOf = (trainingId) => run("scans", "readonly", (s) => s.index("training_id").getAll(trainingId));
export const putRoster = (roster) => run("rosters", "readwrite", (s) => s.put(roster));
export const getRoster = (trainingId) => run("rosters", "readonly", (s) => s.get(trainingId));
export const setMeta = (key, value) => run("meta", "readwrite", (s) => s.put({ key, value }));
export const getMeta = async (key) => (await run("meta", "readonly", (s) => s.get(key)))?.value;

// A new scan id (a UUID v4), also where crypto.randomUUID is missing (plain http on a LAN).
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export async function waitingScans() {
  return (await allScans()).filter((scan) => scan.state === "waiting");
}

// Change a stored scan in one transaction (``change``: the fields, or a function of the scan returning them).
export async function settleScan(scanId, change) {
  const db = await openStore();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("scans", "readwrite");
    const scans = tx.objectStore("scans");
    let scan = null;
    const req = scans.get(scanId);
    req.onsuccess = () => {
      scan = req.result || null;
      if (scan) scans.put(Object.assign(scan, typeof change === "function" ? change(scan) : change));
    };
    tx.oncomplete = () => resolve(scan);
    tx.onerror = () => reject(tx.error);
  });
}

// Forget what the signed-in user's scanning left here; scans still waiting stay (without names) to be sent later.
export async function forgetUser() {
  for (const scan of await allScans()) {
    if (scan.state !== "waiting") await run("scans", "readwrite", (s) => s.delete(scan.scan_id));
    else if (scan.name) await putScan({ ...scan, name: null });
  }
  await run("rosters", "readwrite", (s) => s.clear());
  await run("meta", "readwrite", (s) => s.clear());
}
