// Curbside's service worker. The server puts VERSION (changes with every
// build), HASHED (the bundle's names carry content hashes) and PRECACHE (the
// shell: offline page, CSS, JS glue, wasm, icons) above this line.
//
// - Pages come from the network; when it is unreachable, the app's own
//   offline page answers instead of the browser's error.
// - Hashed /pkg files never change: once fetched they are served from the
//   cache and never asked for again.
// - The rest of the shell comes from the network, and from the cache when
//   the network is unreachable.
// - The API and the event stream are never answered from the cache.
const CACHE = `curbside-${VERSION}`;
const OFFLINE = "/offline";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // force-cache: a file the page has just downloaded comes from the
      // browser's HTTP cache, not over the network a second time.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "force-cache" }))))
      // A new build takes over at once; open pages keep the code they
      // loaded and get the new one on their next navigation.
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("curbside-") && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(pageOrOffline(request));
  } else if (HASHED && url.pathname.startsWith("/pkg/")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith("/pkg/") || PRECACHE.includes(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});

async function pageOrOffline(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const offline = await caches.match(OFFLINE, { cacheName: CACHE });
    if (offline) return offline;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.status === 200) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.status === 200) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(request, { ignoreVary: true });
    if (hit) return hit;
    throw error;
  }
}
