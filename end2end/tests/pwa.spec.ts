import { test, type BrowserContext, type Page } from "@playwright/test";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PHONE, expect, hydrated, logIn, serverBinary, snap, startServer, stopServer } from "./helpers";

const DEMO_PASSWORD = "curbside-demo";

/** Waits until the service worker is installed and controls the page. */
async function controlled(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** Every wasm file the context fetched, and whether it came over the network. */
function watchWasm(context: BrowserContext) {
  const seen: { url: string; network: boolean; byWorker: boolean }[] = [];
  context.on("requestfinished", async (request) => {
    const path = new URL(request.url()).pathname;
    if (!path.endsWith(".wasm")) return;
    const response = await request.response();
    // A page request answered by the worker from its cache is not a download;
    // a request the worker itself sends (a cache miss) is.
    const network = request.serviceWorker() !== null || !(response?.fromServiceWorker() ?? false);
    seen.push({ url: path, network, byWorker: request.serviceWorker() !== null });
  });
  return seen;
}

test("the app is installable, and a reload without a network shows its own offline page", async ({ playwright, launchOptions, baseURL }, info) => {
  // A profile on disk: Chromium never offers to install from an incognito context.
  const profile = mkdtempSync(path.join(tmpdir(), "curbside-e2e-profile-"));
  const context = await playwright.chromium.launchPersistentContext(profile, { ...launchOptions, ...PHONE, baseURL });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto("/login");
  await hydrated(page);
  await controlled(page);

  const manifest = await (await page.request.get("/manifest.webmanifest")).json();
  expect(manifest.display).toBe("standalone");
  expect(manifest.start_url).toBe("/start");
  const icons = manifest.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`);
  expect(icons).toEqual(expect.arrayContaining(["192x192 any", "512x512 any", "512x512 maskable"]));
  // Chromium's own installability check.
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors).toEqual([]);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("You're offline");
  await expect(page.getByRole("button", { name: "Try again" })).toBeVisible();
  await snap(page, info, "offline-375");

  // The page tries again by itself once the server answers again.
  await context.setOffline(false);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible({ timeout: 15_000 });
  await context.close();
  rmSync(profile, { recursive: true, force: true });
});

test("a customer downloads none of the console's or the mechanic's code, and nothing twice", async ({ browser }) => {
  const context = await browser.newContext(PHONE);
  const wasm = watchWasm(context);
  const page = await context.newPage();
  await logIn(page, "tom@demo.curbside.test", DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/customer$/);
  await hydrated(page);
  await controlled(page);
  const job = await page.locator('a[href^="/customer/jobs/"]').first().getAttribute("href");
  await page.goto(job!);
  await hydrated(page);

  const first = wasm.splice(0).map((w) => w.url);
  expect(first.filter((u) => /split___(console|mechanic)_/.test(u)), first.join(" ")).toEqual([]);
  const main = first.find((u) => /^\/pkg\/curbside\.[\w-]+\.wasm$/.test(u));
  expect(main, first.join(" ")).toBeTruthy();
  const res = await page.request.get(main!);
  expect(res.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");

  // Second visit to the same pages: every piece comes from the worker's cache.
  await page.reload();
  await hydrated(page);
  await page.goto("/customer");
  await hydrated(page);
  expect(wasm.filter((w) => w.network), JSON.stringify(wasm)).toEqual([]);
  expect(wasm.length, "the pages did load the bundle").toBeGreaterThan(0);
  await context.close();

  // Opening the job page first downloads the main bundle and the customer's
  // job page piece with what it needs, each once, none of the mechanic's.
  const fresh = await browser.newContext(PHONE);
  const freshWasm = watchWasm(fresh);
  await fresh.request.post("/api/login", { form: { email: "tom@demo.curbside.test", password: DEMO_PASSWORD } });
  const direct = await fresh.newPage();
  await direct.goto(job!);
  await hydrated(direct);
  // (The worker's install then copies them from the HTTP cache into its own.)
  const byPage = freshWasm.filter((w) => !w.byWorker).map((w) => w.url);
  expect(byPage).toContain(main);
  expect(byPage.filter((u) => /split___customer_view_/.test(u))).toHaveLength(1);
  expect(byPage.filter((u) => /split___(console|mechanic)_/.test(u)), byPage.join(" ")).toEqual([]);
  expect(new Set(byPage).size, "nothing twice").toBe(byPage.length);
  await fresh.close();

  // The console's code is there, in pieces of its own that its pages load.
  const adminContext = await browser.newContext(PHONE);
  const adminWasm = watchWasm(adminContext);
  const admin = await adminContext.newPage();
  await logIn(admin, "admin@demo.curbside.test", DEMO_PASSWORD);
  await expect(admin).toHaveURL(/\/admin$/);
  await hydrated(admin);
  await expect.poll(() => adminWasm.map((w) => w.url).join(" ")).toMatch(/\/pkg\/split___console_view_/);
  await adminContext.close();
});

test("an iPhone customer is shown how to add the app to the home screen, once", async ({ browser }, info) => {
  const context = await browser.newContext({
    ...PHONE,
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
  });
  const page = await context.newPage();
  await logIn(page, "priya@demo.curbside.test", DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/customer$/);
  await page.goto("/customer");
  await hydrated(page);
  const guide = page.locator("#pwa-ios-guide");
  await expect(guide).toContainText("Add to Home Screen");
  await snap(page, info, "ios-install-guide-375");
  await guide.getByRole("button", { name: "Dismiss" }).click();
  await expect(guide).toHaveCount(0);
  await page.reload();
  // pwa.js decides on the guide as the page hydrates, before it defines
  // window.curbsidePush: once both have happened, the guide would be there.
  await hydrated(page);
  await page.waitForFunction(() => "curbsidePush" in window);
  await expect(guide).toHaveCount(0);
  await context.close();
});

test("a new version takes over at the next navigation, and says so", async ({ browser }, info) => {
  // A server of this test's own, so that a "new build" can replace it on the
  // same origin: a copy of the site whose stylesheet changes between the two.
  const dir = mkdtempSync(path.join(tmpdir(), "curbside-e2e-update-"));
  cpSync(path.resolve(__dirname, "../../target/site"), path.join(dir, "site"), { recursive: true });
  const hashes = readFileSync(path.join(path.dirname(serverBinary()), "hash.txt"), "utf8");
  const css = hashes.match(/^css: *(\S+)$/m)![1];
  const pkg = path.join(dir, "site/pkg");
  const name = readdirSync(pkg).find((f) => f.endsWith(`.${css}.css`))!;
  const next = `${css}next`;
  writeFileSync(path.join(pkg, name.replace(css, next)), readFileSync(path.join(pkg, name), "utf8") + "\n/* next */\n");
  writeFileSync(path.join(dir, "hash-1.txt"), hashes);
  writeFileSync(path.join(dir, "hash-2.txt"), hashes.replace(`css: ${css}`, `css: ${next}`));

  const port = Number(process.env.E2E_PORT ?? 3199) + 1;
  const base = `http://127.0.0.1:${port}`;
  // Build `n` of the site: the copy, named by its own hash file.
  const serve = (n: number) =>
    startServer(port, dir, { LEPTOS_SITE_ROOT: path.join(dir, "site"), LEPTOS_HASH_FILE_NAME: path.join(dir, `hash-${n}.txt`) });
  let server = await serve(1);
  const context = await browser.newContext({ ...PHONE, baseURL: base });
  try {
    const page = await context.newPage();
    await page.goto("/login");
    await hydrated(page);
    await controlled(page);
    // A page the worker controlled from the start, as on any visit but the first.
    await page.reload();
    await hydrated(page);
    await expect(page.locator("link#leptos")).toHaveAttribute("href", new RegExp(`\\.${css}\\.css$`));

    await stopServer(server);
    server = await serve(2);
    // What the browser does by itself on a later navigation or after a day.
    const changed = page.evaluate(
      () => new Promise<void>((resolve) => navigator.serviceWorker.addEventListener("controllerchange", () => resolve())),
    );
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r!.update()));
    await changed;
    // Nothing interrupts the page in use; the next tap on a link loads the new version.
    await expect(page.locator("#pwa-updated")).toHaveCount(0);
    await page.getByRole("link", { name: "Create an account" }).click();
    await expect(page).toHaveURL(/\/register$/);
    await expect(page.locator("link#leptos")).toHaveAttribute("href", new RegExp(`\\.${next}\\.css$`));
    const notice = page.locator("#pwa-updated");
    await expect(notice).toContainText("Curbside was updated to its latest version.");
    await snap(page, info, "updated-notice-375");
    await notice.getByRole("button", { name: "Dismiss" }).click();
    await expect(notice).toHaveCount(0);
  } finally {
    await context.close();
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});
