import { guardSignOut } from "./signout.js";

// Install the scanner's service worker and keep this page for opening without network.
export async function install() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(document.body.dataset.worker, { scope: "/scan" });
    await navigator.serviceWorker.ready;
    const cache = await caches.open("scan-pages");
    await cache.add(new Request(location.href, { credentials: "same-origin", cache: "no-cache" }));
    document.body.dataset.offline = "ready";
  } catch (error) {
    console.warn("scanner: offline use unavailable", error);
  }
}

if (!document.getElementById("scan-config")) {
  install();
  guardSignOut();
}
