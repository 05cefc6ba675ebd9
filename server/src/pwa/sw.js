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
// - Pushes (Web Push) show as notifications; tapping one opens its page,
//   in a tab already open if there is one.
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

// A push from Curbside's server: {id, kind, title, body, link, tag}.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (_) {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(showPush(data));
});

async function showPush(data) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const page = data.link ? new URL(data.link, self.location.origin).pathname : null;
  // A message for a chat that is open and in view: the page shows it already.
  const watching = windows.some((w) => w.focused && w.visibilityState === "visible" && new URL(w.url).pathname === page);
  if (!(data.kind === "message" && watching)) {
    await self.registration.showNotification(data.title || "Curbside", {
      body: data.body || "",
      // One per job (or chat): a newer one replaces it, and a push that came
      // twice shows once.
      tag: data.tag || data.id,
      renotify: Boolean(data.tag),
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: { id: data.id, link: data.link || "/notifications" },
    });
  }
  // Open pages hear of it (tests see that the handler ran).
  for (const w of windows) w.postMessage({ type: "curbside-push", id: data.id, kind: data.kind });
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  event.waitUntil(openPage(new URL(data.link || "/notifications", self.location.origin).href, data.id));
});

async function openPage(url, id) {
  if (id) {
    // Read, as if opened in the centre; it does not matter if it fails.
    fetch("/api/read_notification", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ id }),
    }).catch(() => {});
  }
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  // Focus a tab of this site rather than open another: the one on that page, else any.
  const tab = windows.find((w) => w.url === url) || windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (tab) {
    await tab.focus();
    if (tab.url !== url && "navigate" in tab) await tab.navigate(url);
    return;
  }
  await self.clients.openWindow(url);
}
