// Registers Curbside's service worker, switches to a new version on the next
// navigation with a small "Updated" notice, and shows iPhone customers how
// to install the app. Plain JS: none of this belongs in the wasm bundle.
const UPDATED = "curbside-updated";
const IOS_GUIDE_DISMISSED = "curbside-ios-guide-dismissed";

if ("serviceWorker" in navigator) {
  const hadWorker = Boolean(navigator.serviceWorker.controller);
  let updatePending = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!hadWorker) return;
    // This page keeps the code it loaded; the next navigation loads the new
    // version in full instead of routing inside the old one.
    updatePending = true;
    sessionStorage.setItem(UPDATED, "1");
  });
  document.addEventListener(
    "click",
    (event) => {
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!updatePending || !link || event.defaultPrevented || link.target || link.hasAttribute("download")) return;
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      location.assign(url.href);
    },
    true,
  );
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js").catch((error) => console.warn("service worker not registered", error));
  });
}

// The offline page: try again by hand, or by itself once the server answers
// again (`navigator.onLine` says nothing about a Wi-Fi without internet).
if (document.querySelector("[data-retry]")) {
  for (const button of document.querySelectorAll("[data-retry]")) {
    button.addEventListener("click", () => location.reload());
  }
  window.addEventListener("online", () => location.reload());
  let wait = 2000;
  const probe = () =>
    fetch("/readyz", { cache: "no-store" })
      .then((res) => (res.ok ? location.reload() : Promise.reject()))
      .catch(() => {
        wait = Math.min(wait * 2, 30000);
        setTimeout(probe, wait);
      });
  setTimeout(probe, wait);
}

// Notices go in after hydration, outside the nodes the app renders.
whenHydrated(() => {
  if (sessionStorage.getItem(UPDATED)) {
    sessionStorage.removeItem(UPDATED);
    notice("pwa-updated", "Curbside was updated to its latest version.", 6000);
  }
  if (wantsIosGuide()) {
    notice(
      "pwa-ios-guide",
      "Install Curbside on your iPhone: tap the Share button, then “Add to Home Screen”. It opens full screen, like an app.",
      0,
      () => localStorage.setItem(IOS_GUIDE_DISMISSED, "1"),
    );
  }
});

function wantsIosGuide() {
  const ios = /iphone|ipad|ipod/i.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  const installed = navigator.standalone === true || matchMedia("(display-mode: standalone)").matches;
  return ios && !installed && location.pathname.startsWith("/customer") && !localStorage.getItem(IOS_GUIDE_DISMISSED);
}

function whenHydrated(run) {
  const body = document.body;
  if (!body || body.dataset.hydrated || document.querySelector("[data-retry]")) return run();
  const watch = new MutationObserver(() => {
    if (body.dataset.hydrated) {
      watch.disconnect();
      run();
    }
  });
  watch.observe(body, { attributes: true, attributeFilter: ["data-hydrated"] });
}

function notice(id, text, hideAfterMs, onDismiss) {
  if (document.getElementById(id)) return;
  const box = document.createElement("div");
  box.id = id;
  box.className = "pwa-notice";
  box.setAttribute("role", "status");
  const words = document.createElement("p");
  words.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "button secondary";
  close.textContent = "Dismiss";
  close.addEventListener("click", () => {
    box.remove();
    onDismiss?.();
  });
  box.append(words, close);
  document.body.append(box);
  if (hideAfterMs) setTimeout(() => box.remove(), hideAfterMs);
}

// Push notifications, for the account page's wasm
// (app/src/ui/pages/notifications.rs). Asked only when the user presses
// "Turn on notifications", never on page load.
const PUSH_DEVICE = "curbside-push-device";
window.curbsidePush = {
  // "unsupported" | "ios-install" | "denied" | "default" | "granted"
  state() {
    const ios = /iphone|ipad|ipod/i.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
    const installed = navigator.standalone === true || matchMedia("(display-mode: standalone)").matches;
    // Safari on iOS offers the Push API only to an app added to the home screen.
    if (ios && !installed) return "ios-install";
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return "unsupported";
    return Notification.permission;
  },
  async subscribe(publicKey) {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      throw new Error(
        permission === "denied"
          ? "Notifications are blocked for this site. Allow them in your browser's site settings."
          : "Notifications were not allowed. Press the button again to be asked once more.",
      );
    }
    const registration = await navigator.serviceWorker.ready;
    const key = fromBase64Url(publicKey);
    let sub = await registration.pushManager.getSubscription();
    // Made with another server key (a new VAPID key): it would never be delivered.
    if (sub && sub.options && sub.options.applicationServerKey && !sameBytes(new Uint8Array(sub.options.applicationServerKey), key)) {
      await sub.unsubscribe();
      sub = null;
    }
    if (!sub) sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    const json = sub.toJSON();
    return { endpoint: json.endpoint, p256dh: json.keys.p256dh, auth: json.keys.auth, label: deviceLabel() };
  },
  remember(id) {
    localStorage.setItem(PUSH_DEVICE, id);
  },
  // This browser's device id while it still has its subscription, else "".
  async device() {
    const id = localStorage.getItem(PUSH_DEVICE) || "";
    if (!id || !("serviceWorker" in navigator)) return "";
    const registration = await navigator.serviceWorker.getRegistration();
    const sub = registration && registration.pushManager ? await registration.pushManager.getSubscription() : null;
    return sub ? id : "";
  },
  async unsubscribe() {
    localStorage.removeItem(PUSH_DEVICE);
    const registration = await navigator.serviceWorker.getRegistration();
    const sub = registration ? await registration.pushManager.getSubscription() : null;
    if (sub) await sub.unsubscribe();
  },
  timeZone() {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  },
};

function fromBase64Url(text) {
  const base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function sameBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// "Chrome on Android": enough to tell one's devices apart in the list.
function deviceLabel() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const system = /Android/.test(ua) ? "Android" : /iPhone|iPad|iPod/.test(ua) ? "iPhone" : /Mac OS X/.test(ua) ? "Mac" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
  return system ? `${browser} on ${system}` : browser;
}
