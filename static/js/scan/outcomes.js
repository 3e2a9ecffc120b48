// The campaign's outcome indicators as one row of big toggles under the answer, for the person just checked in.
import * as store from "./store.js";

export class Outcomes {
  constructor(config, sender, section) {
    this.indicators = config.indicators;
    this.config = config;
    this.sender = sender;
    this.section = section;
    this.scanId = null;
    section.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-key]");
      if (button) this.tick(button.dataset.key);
    });
  }

  // Offer the toggles for ``scan`` (green, or a walk-in); ``null`` hides them.
  offer(scan) {
    this.scanId = scan ? scan.scan_id : null;
    this.section.hidden = !scan || !this.indicators.length;
    if (scan) this.draw(scan.ticked || []);
  }

  draw(ticked) {
    this.section.replaceChildren(...this.indicators.map(({ key, name }) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "toggle";
      button.dataset.key = key;
      button.textContent = name;
      button.setAttribute("aria-pressed", String(ticked.includes(key)));
      return button;
    }));
  }

  // Tick an outcome: it travels with the scan if that is not sent yet, else on its own, queued like a scan.
  async tick(key) {
    let alone = false;
    const scan = await store.settleScan(this.scanId, (stored) => {
      const ticked = stored.ticked || [];
      if (ticked.includes(key)) return {};
      const unsent = stored.state === "waiting" && !this.sender.inFlight.has(stored.scan_id);
      alone = !unsent;
      return { ticked: [...ticked, key], ...(unsent ? { outcomes: [...(stored.outcomes || []), key] } : {}) };
    });
    if (!scan) return;
    if (scan.scan_id === this.scanId) this.draw(scan.ticked || []);
    if (!alone) return;
    const item = { kind: "outcomes", scan_id: store.newId(), for_scan: scan.scan_id, outcomes: [key],
                   campaign_id: this.config.campaign_id, training_id: scan.training_id, state: "waiting",
                   scanned_at: new Date().toISOString(), user: this.config.user };
    await store.putScan(item);
    this.sender.sendNow(item);
  }
}
