import { test, type Page } from "@playwright/test";
import { customerWithJob, expect, expectNoHorizontalScroll, hydrated, live, newMechanic, phonePage, snap } from "./helpers";

// web-push-testing, the push service stand-in (scripts/web-push-testing.sh).
const SERVICE = process.env.TEST_PUSH_SERVICE ?? "";

async function ok(r: Awaited<ReturnType<Page["request"]["post"]>>) {
  expect(r.status(), await r.text()).toBe(200);
  return r.json();
}

async function pushesReceived(clientHash: string): Promise<Array<Record<string, string>>> {
  const r = await fetch(`${SERVICE}/get-notifications`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ clientHash }),
  });
  const body = await r.json();
  return (body.data?.messages ?? []).map((m: string) => JSON.parse(m));
}

// The push path end to end, with one stand-in: headless Chromium cannot reach
// its real push service (Google's) from here, so its PushManager hands out a
// subscription made at web-push-testing instead. From there on it is all
// real: the server encrypts and signs the push for that subscription,
// web-push-testing checks and decrypts it, and the decrypted payload is
// delivered to the service worker through the DevTools protocol, as
// Chromium does with what its push service sends.
test("a customer turns on notifications; a new quote shows live in the centre and its push reaches the service worker", async ({ browser }, info) => {
  // `make e2e` starts the stand-in; without it this test would prove nothing.
  expect(SERVICE, "TEST_PUSH_SERVICE is not set: run through scripts/web-push-testing.sh (make e2e does)").not.toBe("");
  const customer = await phonePage(browser);
  const mechanic = await newMechanic(browser, "Dan Okafor");
  const origin = new URL(info.project.use.baseURL!).origin;
  await customer.context().grantPermissions(["notifications"], { origin });
  const jobId = await customerWithJob(customer);

  const settings = await (await customer.request.get("/api/push_settings")).json();
  const made = await (await fetch(`${SERVICE}/subscribe`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userVisibleOnly: "true", applicationServerKey: settings.public_key }),
  })).json();
  const sub = made.data;
  await customer.addInitScript((s) => {
    const subscription = {
      endpoint: s.endpoint,
      options: {},
      toJSON: () => ({ endpoint: s.endpoint, keys: s.keys }),
      unsubscribe: async () => true,
    };
    let subscribed = false;
    PushManager.prototype.subscribe = async function () {
      subscribed = true;
      return subscription as unknown as PushSubscription;
    };
    PushManager.prototype.getSubscription = async function () {
      return (subscribed ? subscription : null) as unknown as PushSubscription;
    };
    // What the service worker's push handler tells open pages.
    (window as any).__pushes = [];
    navigator.serviceWorker?.addEventListener("message", (e) => (window as any).__pushes.push(e.data));
  }, sub);

  // Never asked on page load: only the button asks.
  await customer.goto("/account");
  await hydrated(customer);
  await expect(customer.getByRole("heading", { name: "Notifications", exact: true })).toBeVisible();
  const turnOn = customer.getByRole("button", { name: "Turn on notifications" });
  await expect(turnOn).toBeVisible();
  await expect(customer.getByText("None yet.")).toBeVisible();
  await customer.getByRole("heading", { name: "Notifications", exact: true }).scrollIntoViewIfNeeded();
  await snap(customer, info, "push-1-account-offer");
  await turnOn.click();
  await expect(customer.getByText("Notifications are on for this device.")).toBeVisible();
  await expect(turnOn).toHaveCount(0);
  await expect(customer.locator("ul.devices li")).toHaveCount(1);
  await expect(customer.locator("ul.devices")).toContainText("(this device)");
  await expect(customer.getByRole("button", { name: "Remove this device" })).toBeVisible();
  // Messages stay off this phone, and an hour later today is quiet (never
  // now: the quote below must still reach the phone).
  const hour = (new Date().getUTCHours() + 2) % 24;
  const clock = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
  await customer.getByLabel("New messages (while the chat is not open)").uncheck();
  await customer.locator("input[name=quiet_start]").fill(clock(hour));
  await customer.locator("input[name=quiet_end]").fill(clock(hour + 1));
  await customer.getByRole("button", { name: "Save preferences" }).click();
  await expect(customer.getByText("Saved.")).toBeVisible();
  const saved = await (await customer.request.get("/api/push_settings")).json();
  expect(saved.prefs).toEqual({ muted: ["message"], quiet: { start: hour * 60, end: ((hour + 1) % 24) * 60 }, time_zone: "UTC" });
  await expect(customer.getByRole("checkbox", { name: "Security (always on)" })).toBeDisabled();
  await expectNoHorizontalScroll(customer);
  await snap(customer, info, "push-2-account-on");

  // The centre, open while Dan quotes: the entry and the bell's count arrive live.
  await customer.goto("/notifications");
  await hydrated(customer);
  await live(customer);
  await expect(customer.getByText("Nothing yet.", { exact: false })).toBeVisible();
  await ok(await mechanic.request.post("/api/send_quote", {
    form: { job_id: jobId, "items[0][kind]": "labour", "items[0][description]": "Replace front pads", "items[0][amount]": "80", arrival_minutes: "45", valid_hours: "24" },
  }));
  const entry = customer.locator("li.notice-entry").first();
  await expect(entry).toContainText("New quote");
  await expect(entry).toHaveClass(/unread-entry/);
  await expect(customer.getByTestId("bell-count")).toHaveText("1");
  await expectNoHorizontalScroll(customer);
  await snap(customer, info, "push-3-centre-live");

  // The push the server sent, as the push service decrypted it.
  let pushes: Array<Record<string, string>> = [];
  await expect.poll(async () => (pushes = await pushesReceived(sub.clientHash)).length).toBe(1);
  expect(pushes[0]).toMatchObject({ kind: "new_quote", title: "New quote", link: `/customer/jobs/${jobId}` });

  // Delivered to the service worker, whose handler shows it and tells the page.
  const cdp = await customer.context().newCDPSession(customer);
  const registrations: Array<{ registrationId: string; scopeURL: string }> = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (e) => registrations.push(...e.registrations));
  await cdp.send("ServiceWorker.enable");
  await expect.poll(() => registrations.length).toBeGreaterThan(0);
  await cdp.send("ServiceWorker.deliverPushMessage", {
    origin,
    registrationId: registrations[0].registrationId,
    data: JSON.stringify(pushes[0]),
  });
  await expect.poll(() => customer.evaluate(() => (window as any).__pushes.map((p: any) => p.kind))).toEqual(["new_quote"]);
  const shown = () =>
    customer.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag }));
    });
  await expect
    .poll(shown)
    .toEqual([{ title: "New quote", body: expect.stringContaining("sent a quote for your Brakes job"), tag: `job-${jobId}` }]);

  // Opening the entry reads it and goes to the job.
  await entry.locator("a").click();
  await expect(customer).toHaveURL(new RegExp(`/customer/jobs/${jobId}$`));
  await expect(customer.getByTestId("bell-count")).toHaveCount(0);
});

test("on an iPhone outside the home screen app, the account page explains how to install before offering notifications", async ({ browser }, info) => {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
  });
  const page = await context.newPage();
  await customerWithJob(page);
  await page.goto("/account");
  await hydrated(page);
  await expect(page.getByTestId("ios-guide")).toContainText("Add to Home Screen");
  await expect(page.getByRole("button", { name: "Turn on notifications" })).toHaveCount(0);
  await page.getByTestId("ios-guide").scrollIntoViewIfNeeded();
  await snap(page, info, "push-4-iphone-guide");
});
