// The scanner's service worker. The server puts VERSION and SHELL (the shell's files) above this line.
// The shell's files come from the cache; the scanner's pages from the network, else from the copy
// kept at the last visit, so that /scan and /scan?training=ID open with no network.
const SHELL_CACHE = `scan-shell-${VERSION}`;
const PAGE_CACHE = "scan-pages";
const PAGE_TIMEOUT = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const old = (key) => key.startsWith("scan-shell-") && key !== SHELL_CACHE;
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter(old).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (request.mode === "navigate" && url.pathname === "/scan") {
    event.respondWith(page(request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: SHELL_CACHE, ignoreSearch: true })
      .then((hit) => hit || fetch(request)));
  }
});

// The page from the network (kept for next time); the kept copy when the network fails or dawdles.
async function page(request) {
  const cache = await caches.open(PAGE_CACHE);
  const kept = cache.match(request, { ignoreVary: true });
  const network = fetch(request).then((response) => {
    if (response.ok && !response.redirected) cache.put(request, response.clone());
    return response;
  });
  network.catch(() => null);
  const slow = new Promise((resolve) => setTimeout(resolve, PAGE_TIMEOUT));
  try {
    const first = await Promise.race([network, slow.then(() => kept)]);
    if (first) return first;
    return await network;
  } catch (error) {
    const copy = await kept;
    if (copy) return copy;
    throw error;
  }
}
