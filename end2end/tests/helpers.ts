import { expect, type Browser, type Page, type TestInfo } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const PHONE = { viewport: { width: 375, height: 812 }, hasTouch: true, isMobile: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

/** Saved under end2end/screenshots/ (ignored by git) and attached to the report. */
export async function snap(page: Page, info: TestInfo, name: string) {
  const file = path.join(__dirname, "..", "screenshots", `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await info.attach(name, { path: file, contentType: "image/png" });
}

/** Waits until the WASM bundle has hydrated the page, so taps reach Leptos. */
export async function hydrated(page: Page) {
  await page.locator("body[data-hydrated=true]").waitFor({ state: "attached", timeout: 30_000 });
}

/** Waits until the page's real-time stream is open, so it hears what happens next. */
export async function live(page: Page) {
  await page.locator("body[data-live=open]").waitFor({ state: "attached", timeout: 15_000 });
}

/** The page is no wider than the viewport. */
export async function expectNoHorizontalScroll(page: Page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
}

/** A page in a new browser context of its own: a separate person. */
export async function phonePage(browser: Browser) {
  return (await browser.newContext(PHONE)).newPage();
}

export async function desktopPage(browser: Browser) {
  return (await browser.newContext(DESKTOP)).newPage();
}

/** Opens the login page and signs in. */
export async function logIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

export { expect };

const root = path.resolve(__dirname, "..", "..");

/** The server binary the suite runs (playwright.config.ts). */
export function serverBinary() {
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, "target");
  return process.env.E2E_SERVER ? path.resolve(root, process.env.E2E_SERVER) : path.join(target, "debug/server");
}

/**
 * A server of a test's own, on `port` with a SQLite database in `dir`, so
 * that the test can stop it or start another build under an open page (the
 * suite's shared server stays up). `env` adds or overrides settings.
 */
export async function startServer(port: number, dir: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const server = spawn(serverBinary(), [], {
    cwd: dir,
    stdio: "ignore",
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: `sqlite://${dir}/e2e.db`,
      LEPTOS_SITE_ROOT: path.join(root, "target/site"),
      RUST_LOG: "warn",
      MAP_TILE_URL: "none",
      ...env,
    },
  });
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready) return server;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the server did not start");
}

export async function stopServer(server: ChildProcess) {
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await exited;
}

async function ok(r: Awaited<ReturnType<Page["request"]["post"]>>) {
  expect(r.status(), await r.text()).toBe(200);
  return r.json();
}

/** A 1 × 1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC",
  "base64",
);

/**
 * A mechanic of the test's own, approved, based in Camden with a 12 km
 * reach, signed in on a new phone. A spec that books a mechanic makes its
 * own, so that no spec depends on what another left behind.
 */
export async function newMechanic(browser: Browser, name = "Kofi Mensah"): Promise<Page> {
  const page = await phonePage(browser);
  await signUpMechanic(browser, page, name);
  return page;
}

/** `newMechanic` on a page of the caller's (a phone with a location, say). */
export async function signUpMechanic(browser: Browser, page: Page, name: string) {
  const email = `mechanic.${Date.now() % 1_000_000}.${Math.floor(Math.random() * 1e6)}@example.com`;
  const me = await ok(await page.request.post("/api/register", {
    form: { name, email, phone: "07700 900123", password: "correct horse battery", role: "mechanic" },
  }));
  const profile = new URLSearchParams([
    ["display_name", `${name} Mobile`], ["skills[]", "brakes"], ["skills[]", "battery"], ["skills[]", "tyres"],
    ["years_experience", "9"], ["base_lat", "51.5450"], ["base_lng", "-0.1500"], ["base_address", "Camden, London"],
    ["radius_km", "12"], ["available", "on"],
  ]);
  await ok(await page.request.post("/api/save_profile", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    data: profile.toString(),
  }));
  const admin = await browser.newContext();
  await ok(await admin.request.post("/api/login", { form: { email: "admin@demo.curbside.test", password: "curbside-demo" } }));
  await ok(await admin.request.post("/api/admin_review", { form: { id: me.account.id, action: "approve", reason: "" } }));
  await admin.close();
}

/** A fresh customer signed in on `page` with a brakes job in Camden, not yet quoted: the job's id. */
export async function customerWithJob(page: Page): Promise<string> {
  const run = `${Date.now() % 1_000_000}.${Math.floor(Math.random() * 1e6)}`;
  await ok(await page.request.post("/api/register", {
    form: { name: "Nadia Rahman", email: `nadia.${run}@example.com`, password: "correct horse battery", role: "customer" },
  }));
  const car = await ok(await page.request.post("/api/add_vehicle", {
    form: { year: "2018", make: "Toyota", model: "Yaris", colour: "Red", plate: "ab18 xyz" },
  }));
  const job = await ok(await page.request.post("/api/request_job", {
    form: {
      vehicle_id: car.id, category: "brakes", description: "Loud squeal from the front left wheel when braking.",
      lat: "51.5390", lng: "-0.1426", address: "7 Jamestown Road, London NW1 7BY", locality: `Camden ${run}, London`, urgency: "asap",
    },
  }));
  return job.id;
}

/**
 * `customerWithJob`, which the mechanic signed in on `mechanic` quoted for
 * and she booked. The job's id.
 */
export async function bookedJob(customer: Page, mechanic: Page): Promise<string> {
  const job = await customerWithJob(customer);
  const quote = await ok(await mechanic.request.post("/api/send_quote", {
    form: { job_id: job, "items[0][kind]": "labour", "items[0][description]": "Replace front pads", "items[0][amount]": "80", arrival_minutes: "45", valid_hours: "24" },
  }));
  await ok(await customer.request.post("/api/accept_quote", { form: { id: quote.id } }));
  return job;
}

/**
 * `bookedJob`, where the customer then sent `message` and a photo of the
 * problem captioned `caption`. The job's id.
 */
export async function bookedJobWithPhoto(customer: Page, mechanic: Page, message: string, caption: string): Promise<string> {
  const job = await bookedJob(customer, mechanic);
  await ok(await customer.request.post("/api/send_message", {
    form: { job_id: job, id: crypto.randomUUID(), body: message },
  }));
  const ticket = await ok(await customer.request.post("/api/photo_upload", {
    form: { job_id: job, kind: "problem", caption, byte_size: String(PNG.length), content_type: "image/png" },
  }));
  const put = await customer.request.put(ticket.url, { headers: Object.fromEntries(ticket.headers), data: PNG });
  expect(put.status(), await put.text()).toBe(200);
  await ok(await customer.request.post("/api/photo_done", { form: { id: ticket.id } }));
  return job;
}

/** Records every Content-Security-Policy violation the page reports, from its first script on. */
export async function watchPolicy(page: Page): Promise<string[]> {
  const refused: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const w = window as unknown as { __csp?: string[] };
      (w.__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
  return refused;
}

/** No Content-Security-Policy violation on the page so far (`watchPolicy`). */
export async function expectNoViolation(page: Page, refused: string[], path: string) {
  const reported = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
  expect([...reported, ...refused], `violations on ${path}`).toEqual([]);
}

