// The page a volunteer sees once their access ended: their phone's waiting scans are handed over for review,
// then the names this phone kept (the commune's roster) are forgotten.
import { handOver } from "./handover.js";
import * as store from "./store.js";

const config = JSON.parse(document.getElementById("scan-config").textContent);
const out = document.getElementById("handover");
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]);

async function run() {
  try {
    const kept = await handOver(config.urls.held, config.user);
    out.textContent = kept ? fill(config.texts.handed_over, { count: kept }) : config.texts.none;
    out.dataset.handedOver = kept;
    await store.forgetUser();
  } catch (error) {
    out.textContent = config.texts.failed;
    out.dataset.handedOver = "failed";
  }
}

run();
