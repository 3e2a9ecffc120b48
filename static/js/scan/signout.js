// Signing out on the scanner: send what waits, warn if something still does, then clear this user's data.
import * as store from "./store.js";

export function guardSignOut(flush = async () => {}) {
  const form = document.getElementById("sign-out");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await flush();
      const waiting = (await store.waitingScans()).length;
      if (waiting && !window.confirm(form.dataset.waiting.replace("%(count)s", waiting))) return;
      await store.forgetUser();
      await caches.delete("scan-pages");
    } catch (error) {
      console.warn("scanner: could not clear before signing out", error);
    }
    form.submit();
  });
}
