import { test, type Browser } from "@playwright/test";
import { PHONE, bookedJob, desktopPage, expect, expectNoHorizontalScroll, hydrated, live, logIn, phonePage, signUpMechanic, snap } from "./helpers";

const DEMO_PASSWORD = "curbside-demo";
const ADMIN = "admin@demo.curbside.test";
const PASSWORD = "correct horse battery";

// Where the customer's car is (Jamestown Road, Camden) and where Dan sets off from.
// Emulated positions say how accurate they are, as phones do.
const CAR = { latitude: 51.5392, longitude: -0.1465, accuracy: 20 };
const DAN_START = { latitude: 51.5035, longitude: -0.1195, accuracy: 12 };
// 600 m on: the server refuses fixes implying more than 250 km/h, so the
// test drives at a believable speed (600 m in 10 s is 216 km/h).
const DAN_CLOSER = { latitude: 51.5084, longitude: -0.1232, accuracy: 8 };

async function phoneAt(browser: Browser, at: { latitude: number; longitude: number }) {
  const context = await browser.newContext({ ...PHONE, geolocation: at, permissions: ["geolocation"] });
  return { context, page: await context.newPage() };
}

test("the customer pins the car with their location and watches the mechanic drive in", async ({ browser, request }, info) => {
  const run = `${Date.now() % 1_000_000}.${Math.floor(Math.random() * 1e6)}`;
  const email = `tara.${run}@example.com`;

  // A customer with a car, made through the API; she books from her phone.
  const reg = await request.post("/api/register", { form: { name: "Tara Quinn", email, password: PASSWORD, role: "customer" } });
  expect(reg.status(), await reg.text()).toBe(200);
  const tara = (await reg.json()).token;
  const car = await request.post("/api/add_vehicle", {
    headers: { Authorization: `Bearer ${tara}` },
    form: { year: "2019", make: "Honda", model: "Jazz", colour: "Silver", plate: "ht19 qqq" },
  });
  expect(car.status(), await car.text()).toBe(200);

  const customer = await phoneAt(browser, CAR);
  await logIn(customer.page, email, PASSWORD);
  await expect(customer.page).toHaveURL(/\/customer$/);
  await customer.page.goto("/customer/request");
  await hydrated(customer.page);
  await customer.page.getByLabel("What needs doing").selectOption("battery");
  await customer.page.getByLabel("Describe the problem").fill("Car will not start, lights dim, clicking when I turn the key.");
  await customer.page.getByLabel("Address", { exact: true }).fill("7 Jamestown Road, London NW1 7BY");
  await customer.page.getByLabel("Area").fill("Camden, London");
  await customer.page.getByRole("button", { name: "Use my location" }).tap();
  await expect(customer.page.getByTestId("pin-status")).toContainText("Pinned at 51.53920, -0.14650");
  await expect(customer.page.locator(".pin-picker .leaflet-marker-icon.pin-car")).toBeVisible();
  await expectNoHorizontalScroll(customer.page);
  await snap(customer.page, info, "tracking-1-customer-pins-the-car");
  await customer.page.getByRole("button", { name: "Ask for quotes" }).tap();
  await expect(customer.page).toHaveURL(/\/customer\/jobs\/[0-9a-f-]{36}$/);
  const jobId = customer.page.url().split("/").pop()!;
  const view = await request.get(`/api/job?id=${jobId}`, { headers: { Authorization: `Bearer ${tara}` } });
  const location = (await view.json()).location;
  expect([location.lat, location.lng]).toEqual([CAR.latitude, CAR.longitude]);

  // Dan, a mechanic of this test's own on his phone south of the river,
  // quotes and Tara accepts (through the API: those pages have their own tests).
  const dan = await phoneAt(browser, DAN_START);
  await signUpMechanic(browser, dan.page, "Dan Okafor");
  const q = await dan.page.request.post("/api/send_quote", {
    form: {
      job_id: jobId,
      "items[0][kind]": "labour",
      "items[0][description]": "Test and replace battery",
      "items[0][amount]": "40",
      arrival_minutes: "30",
      valid_hours: "12",
    },
  });
  expect(q.status(), await q.text()).toBe(200);
  const accepted = await request.post("/api/accept_quote", { headers: { Authorization: `Bearer ${tara}` }, form: { id: (await q.json()).id } });
  expect(accepted.status(), await accepted.text()).toBe(200);

  // The customer's page is open and live before Dan sets off.
  await customer.page.reload();
  await hydrated(customer.page);
  await live(customer.page);
  await expect(customer.page.getByText("On the map")).toHaveCount(0);

  // His page sends fixes over one location socket, not a request each.
  const overSocket: { job: string; lat: number }[] = [];
  dan.page.on("websocket", (ws) => {
    if (ws.url().endsWith("/api/location_socket")) ws.on("framesent", (f) => overSocket.push(JSON.parse(String(f.payload))));
  });

  // Dan taps "I'm on my way": sharing starts by itself.
  await dan.page.goto(`/mechanic/jobs/${jobId}`);
  await hydrated(dan.page);
  await dan.page.getByRole("button", { name: "I'm on my way" }).tap();
  await expect(dan.page.getByTestId("sharing-bar")).toContainText("Sharing your location with the customer");
  await expect(dan.page.getByText(/Last sent (just now|\d+ s ago)/)).toBeVisible();
  await expect(dan.page.getByRole("link", { name: "Navigate" })).toHaveAttribute("href", /51\.5392/);
  await expectNoHorizontalScroll(dan.page);
  await snap(dan.page, info, "tracking-2-mechanic-sharing");

  // Without a reload, the customer sees him: a marker, the distance and the ETA.
  const line = customer.page.getByTestId("tracking-line");
  await expect(line).toContainText(/about \d+ min, [\d.]+ km · last seen/);
  await expect(customer.page.locator(".tracking .leaflet-marker-icon.pin-mechanic")).toBeVisible();
  const first = await line.textContent();
  const firstKm = Number(/([\d.]+) km/.exec(first!)![1]);

  // An admin at a desk watches every job on one map.
  const admin = await desktopPage(browser);
  await logIn(admin, ADMIN, DEMO_PASSWORD);
  await expect(admin).toHaveURL(/\/admin$/);
  // A panic in the page (a map drawn for a page that has moved on) fails the test.
  const adminErrors: string[] = [];
  admin.on("pageerror", (e) => adminErrors.push(e.message));
  await admin.goto("/admin/map");
  await hydrated(admin);
  await live(admin);
  await expect(admin.getByText(/[1-9]\d* mechanics? sharing/)).toBeVisible();
  const adminMarker = admin.locator(".admin-map .leaflet-marker-icon.pin-mechanic").first();
  await expect(adminMarker).toBeVisible();
  const before = await adminMarker.getAttribute("style");

  // He drives on; the marker, the distance and the ETA follow.
  await dan.page.waitForTimeout(10_500);
  await dan.context.setGeolocation(DAN_CLOSER);
  await expect(async () => {
    const now = await line.textContent();
    const km = Number(/([\d.]+) km/.exec(now!)![1]);
    expect(km).toBeLessThan(firstKm - 0.5);
  }).toPass({ timeout: 20_000 });
  await expect(customer.page.locator(".tracking .leaflet-marker-icon.pin-mechanic")).toBeVisible();
  await expectNoHorizontalScroll(customer.page);
  await snap(customer.page, info, "tracking-3-customer-watches");
  // The admin's marker moved too, without a reload.
  await expect(async () => expect(await adminMarker.getAttribute("style")).not.toEqual(before)).toPass({ timeout: 10_000 });
  expect(overSocket).toContainEqual(expect.objectContaining({ job: jobId, lat: DAN_CLOSER.latitude }));
  await admin.waitForTimeout(1_200); // the marker glides for a second
  await snap(admin, info, "tracking-4-admin-live-map");
  expect(adminErrors).toEqual([]);

  // He stops sharing; the job still works by its buttons.
  await dan.page.getByRole("button", { name: "Stop sharing" }).tap();
  await expect(dan.page.getByTestId("sharing-bar")).toContainText("Not sharing");
  await dan.page.getByRole("button", { name: "I've arrived" }).tap();
  await expect(customer.page.locator(".title-row .badge")).toHaveText("Mechanic arrived");
});

test("a mechanic whose location socket cannot be opened still shares, over HTTP", async ({ browser }) => {
  const customer = await phonePage(browser);
  const mechanic = await phonePage(browser);
  await signUpMechanic(browser, mechanic, "Ola Bankole");
  const jobId = await bookedJob(customer, mechanic);
  await mechanic.context().grantPermissions(["geolocation"]);
  await mechanic.context().setGeolocation(DAN_START);
  // A network that will not carry WebSockets (some proxies): every socket is closed at once.
  await mechanic.context().routeWebSocket(/\/api\/location_socket$/, (ws) => ws.close());
  const posted: string[] = [];
  mechanic.on("request", (r) => {
    if (r.url().endsWith("/api/share_location")) posted.push(r.postData() ?? "");
  });
  await mechanic.goto(`/mechanic/jobs/${jobId}`);
  await hydrated(mechanic);
  await mechanic.getByRole("button", { name: "I'm on my way" }).tap();
  await expect(mechanic.getByText(/Last sent (just now|\d+ s ago)/)).toBeVisible();
  expect(posted.some((form) => form.includes(`job=${jobId}`))).toBe(true);
  const view = await customer.request.get(`/api/job?id=${jobId}`);
  expect((await view.json()).position.lat).toBe(DAN_START.latitude);
});

test("a mechanic who has not allowed location is asked by a tap, not when the page opens", async ({ browser }) => {
  const customer = await phonePage(browser);
  const mechanic = await phonePage(browser);
  await signUpMechanic(browser, mechanic, "Kemi Adeyemi");
  const jobId = await bookedJob(customer, mechanic);
  await mechanic.context().setGeolocation(DAN_START);
  await mechanic.goto(`/mechanic/jobs/${jobId}`);
  await hydrated(mechanic);
  await mechanic.getByRole("button", { name: "I'm on my way" }).tap();
  await expect(mechanic.getByTestId("sharing-bar")).toContainText("Not sharing");
  await expect(mechanic.getByText(/Tap “Share my location” so the customer can see you coming/)).toBeVisible();
  // Reopening the page does not ask either.
  await mechanic.reload();
  await hydrated(mechanic);
  await expect(mechanic.getByTestId("sharing-bar")).toContainText("Not sharing");
  // The tap asks (granted here), and sharing starts.
  await mechanic.context().grantPermissions(["geolocation"]);
  await mechanic.getByRole("button", { name: "Share my location" }).tap();
  await expect(mechanic.getByTestId("sharing-bar")).toContainText("Sharing your location with the customer");
  await expect(mechanic.getByText(/Last sent (just now|\d+ s ago)/)).toBeVisible();
});
