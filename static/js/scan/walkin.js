// Walk-ins: a short form; the person is kept in IndexedDB first, like a scan, then registered through the API.
import * as store from "./store.js";

const $ = (id) => document.getElementById(id);

// Wire the walk-in button and form; ``onSaved`` gets each walk-in once it is kept on the phone.
export function walkInForm(config, onSaved) {
  const form = $("walk-in");
  const opener = $("walk-in-open");
  const close = () => { form.hidden = true; opener.hidden = false; };
  opener.addEventListener("click", () => {
    form.hidden = false;
    opener.hidden = true;
    form.elements.full_name.focus();
  });
  $("walk-in-cancel").addEventListener("click", close);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const item = walkIn(new FormData(form), config);
    await store.putScan(item);
    form.reset();
    close();
    onSaved(item);
  });
}

// Open the form again filled with a walk-in the server refused, to correct and send anew.
export function reopenWalkIn(details) {
  const form = $("walk-in");
  for (const [name, value] of Object.entries(details)) {
    const field = form.elements[name];
    if (!field) continue;
    if (name === "consent") field.checked = value;
    else field.value = String(value);
  }
  form.hidden = false;
  $("walk-in-open").hidden = true;
}

function walkIn(data, config) {
  const details = { full_name: data.get("full_name").trim(), birth_year: Number(data.get("birth_year")),
                    gender: data.get("gender"), ethnicity: data.get("ethnicity"), village: data.get("village"),
                    consent: data.get("consent") === "on" };
  const phone = data.get("phone").trim();
  if (phone) details.phone = phone;
  return { kind: "walk_in", scan_id: store.newId(), training_id: config.training.id, details, name: details.full_name,
           person: null, scanned_at: new Date().toISOString(), shown: "pending", offline: !navigator.onLine,
           state: "waiting", user: config.user };
}
