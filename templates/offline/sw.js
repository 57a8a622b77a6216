// auditapp's service worker, rendered by views/offline.py. It keeps two things: the offline
// page (the one page that works with no connection) and the files every page loads. Every
// other page holds people's scores and is only ever fetched from the server; when there is
// no connection, a page asked for is answered with the offline page.
const CACHE = "auditapp-shell-{{ version }}";
const SHELL = {{ shell | tojson }};
const OFFLINE_PAGE = SHELL[0];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const url of SHELL) {
        const response = await fetch(url, { cache: "no-cache" });
        // A redirect here is the login page: keep nothing rather than the wrong page.
        if (!response.ok || response.redirected) throw new Error(`${url}: ${response.status}`);
        await cache.put(url, response);
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request, url));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((kept) => kept || fetch(request)));
  }
});

async function navigate(request, url) {
  try {
    const response = await fetch(request);
    if (url.pathname === OFFLINE_PAGE && response.ok && !response.redirected) {
      // The kept copy follows the server's: the signed-in supervisor's name, a new release.
      const cache = await caches.open(CACHE);
      await cache.put(OFFLINE_PAGE, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await caches.match(OFFLINE_PAGE);
    if (kept) return kept;
    throw error;
  }
}
