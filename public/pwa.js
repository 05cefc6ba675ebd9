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
