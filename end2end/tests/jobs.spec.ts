import { test } from "@playwright/test";
import { expect, expectNoHorizontalScroll, hydrated, live, logIn, phonePage, snap } from "./helpers";

// Seeded on the e2e server's empty database (see README, "Demo data").
const DEMO_PASSWORD = "curbside-demo";
const DAN = "dan@demo.curbside.test"; // Camden, 12 km
const SAM = "sam@demo.curbside.test"; // Stratford, 20 km
const PASSWORD = "correct horse battery";

// Nobody reloads: each page changes as the other person acts, over the
// real-time stream.
test("a customer requests a job, compares quotes, accepts one, and follows the mechanic's progress live", async ({ browser, request }, info) => {
  const run = `${Date.now() % 1_000_000}`;
  const area = `Camden ${run}, London`;

  // Dan, a demo mechanic, is already looking at his dashboard.
  const mechanic = await phonePage(browser);
  await logIn(mechanic, DAN, DEMO_PASSWORD);
  await expect(mechanic).toHaveURL(/\/mechanic$/);
  await hydrated(mechanic);
  await live(mechanic);

  // The customer signs up on a phone and asks for a mechanic.
  const customer = await phonePage(browser);
  await customer.goto("/register");
  await hydrated(customer);
  await customer.getByLabel("Your name").fill("Nadia Rahman");
  await customer.getByLabel("Email").fill(`nadia.${run}.${Math.floor(Math.random() * 1e6)}@example.com`);
  await customer.getByLabel("Password").fill(PASSWORD);
  await customer.getByRole("button", { name: "Create account" }).tap();
  await expect(customer).toHaveURL(/\/customer$/);
  await hydrated(customer);
  await customer.getByRole("link", { name: "Ask for a mechanic" }).tap();
  await expect(customer).toHaveURL(/\/customer\/request$/);

  // No vehicle yet: the garage form comes first, and checks the VIN.
  await customer.getByLabel("Year").fill("2018");
  await customer.getByLabel("Make").fill("Toyota");
  await customer.getByLabel("Model").fill("Yaris");
  await customer.getByLabel("Colour").fill("Red");
  await customer.getByLabel("Number plate").fill("ab18 xyz");
  await customer.getByLabel("VIN").fill("1HGCM82643A004352");
  await customer.getByRole("button", { name: "Add vehicle" }).tap();
  await expect(customer.locator("#field-vin-error")).toContainText("check digit");
  await customer.getByLabel("VIN").fill("");
  await customer.getByRole("button", { name: "Add vehicle" }).tap();

  await expect(customer.getByLabel("Vehicle")).toContainText("2018 Toyota Yaris · AB18 XYZ");
  await customer.getByLabel("What needs doing").selectOption("brakes");
  await customer.getByLabel("Describe the problem").fill("Squeal");
  await customer.getByLabel("Address", { exact: true }).fill("7 Jamestown Road, London NW1 7BY");
  await customer.getByLabel("Area").fill(area);
  // No location permission on this phone: a tap on the map drops the pin (central London).
  await customer.locator(".pin-picker .leaflet-container").waitFor();
  await customer.locator(".pin-picker .map").tap();
  await expect(customer.getByTestId("pin-status")).toContainText("Pinned at 51.5");
  await customer.getByRole("button", { name: "Ask for quotes" }).tap();
  // Too short: the error sits beside the field and nothing typed is lost.
  await expect(customer.locator("#field-description-error")).toContainText("Describe the problem");
  await expect(customer.getByLabel("Area")).toHaveValue(area);
  await customer.getByLabel("Describe the problem").fill("Loud squeal from the front left wheel when braking, since Monday.");
  await customer.getByRole("button", { name: "Ask for quotes" }).tap();
  await expect(customer).toHaveURL(/\/customer\/jobs\/[0-9a-f-]{36}$/);
  const jobId = customer.url().split("/").pop()!;
  await expect(customer.getByRole("heading", { name: "No quotes yet" })).toBeVisible();
  await expect(customer.getByText("Waiting for quotes").first()).toBeVisible();
  await expectNoHorizontalScroll(customer);
  await snap(customer, info, "jobs-1-customer-requested");
  await live(customer);

  // The job appears among Dan's open jobs by itself: the area, not the address.
  const card = mechanic.locator(".job-card", { hasText: area });
  await expect(card).toBeVisible();
  await expect(card).toContainText("away");
  // His dashboard's map: his reach and the job's approximate area (no exact pin).
  await expect(mechanic.locator(".leaflet-container .area-job").first()).toBeAttached();
  await expect(mechanic.locator(".leaflet-marker-icon.pin-base")).toBeVisible();
  await expect(mechanic.locator(".leaflet-marker-icon.pin-car")).toHaveCount(0);
  await snap(mechanic, info, "jobs-1b-mechanic-open-jobs-map");
  await card.getByRole("link").tap();
  await expect(mechanic).toHaveURL(new RegExp(`/mechanic/jobs/${jobId}$`));
  await expect(mechanic.getByText(`Near ${area}`)).toBeVisible();
  await expect(mechanic.getByText("Jamestown Road")).toHaveCount(0);
  await mechanic.getByLabel("Line 1 description").fill("Replace front pads");
  await mechanic.getByLabel("Line 1 price").fill("60");
  await mechanic.getByLabel("Line 2 description").fill("Brake pads (pair)");
  await mechanic.getByLabel("Line 2 price").fill("34.99");
  await mechanic.getByLabel("Arrival (minutes)").fill("40");
  await mechanic.getByLabel("Note to the customer").fill("Genuine parts, 12 months warranty.");
  await live(mechanic);
  await mechanic.getByRole("button", { name: "Send quote" }).tap();
  await expect(mechanic.getByRole("heading", { name: "Your quote", exact: true })).toBeVisible();
  // Dan's quote reaches the customer's open page.
  await expect(customer.locator(".compare .quote-card")).toHaveCount(1);
  await expect(customer.locator(".compare .quote-card").first()).toContainText("£94.99");
  await expect(mechanic.locator(".quote-total")).toHaveText("£94.99");
  await expect(mechanic.getByRole("button", { name: "Send revised quote" })).toBeVisible();
  await expectNoHorizontalScroll(mechanic);
  await snap(mechanic, info, "jobs-2-mechanic-quoted");

  // The customer starts typing why they might cancel; a live update must not wipe it.
  await customer.getByText("Cancel this job").tap();
  await customer.getByLabel("Why are you cancelling?").fill("Still deciding");

  // Sam quotes too, through the API, so there is something to compare.
  const login = await request.post("/api/login", { form: { email: SAM, password: DEMO_PASSWORD } });
  expect(login.status()).toBe(200);
  const samToken = (await login.json()).token;
  const samForm = {
    job_id: jobId,
    "items[0][kind]": "labour",
    "items[0][description]": "Pads and discs, front axle",
    "items[0][amount]": "120",
    "items[1][kind]": "fee",
    "items[1][description]": "Call-out",
    "items[1][amount]": "15",
    arrival_minutes: "90",
    valid_hours: "12",
  };
  const samQuote = await request.post("/api/send_quote", { headers: { Authorization: `Bearer ${samToken}` }, form: samForm });
  expect(samQuote.status(), await samQuote.text()).toBe(200);

  // Sam's appears beside it; the customer compares the two and books Dan.
  await expect(customer.getByRole("heading", { name: "2 quotes to compare" })).toBeVisible();
  await expect(customer.getByLabel("Why are you cancelling?")).toHaveValue("Still deciding");
  await customer.getByText("Cancel this job").tap();
  const quotes = customer.locator(".compare .quote-card");
  await expect(quotes).toHaveCount(2);
  await expect(quotes.nth(0)).toContainText("£94.99");
  await expect(quotes.nth(0)).toContainText("Okafor Mobile Auto");
  await expect(quotes.nth(0)).toContainText("14 years experience");
  await expect(quotes.nth(0)).toContainText("40 min");
  await expect(quotes.nth(1)).toContainText("£135.00");
  await expectNoHorizontalScroll(customer);
  await snap(customer, info, "jobs-3-customer-compares");

  // The page the server renders is current: once hydrated and live, it
  // fetches the job no more (the stream resumes from where the page was
  // rendered). Proved by order, not by a pause: Sam then revises his quote,
  // which the page must fetch once; the stream brings that after anything
  // it replayed, so a needless fetch would have been sent before it.
  const jobGets: string[] = [];
  customer.on("request", (r) => {
    if (r.method() === "GET" && r.url().includes("/api/job?")) jobGets.push(r.url());
  });
  await customer.reload();
  await hydrated(customer);
  await live(customer);
  const revised = await request.post("/api/send_quote", {
    headers: { Authorization: `Bearer ${samToken}` },
    form: { ...samForm, "items[0][amount]": "125" },
  });
  expect(revised.status(), await revised.text()).toBe(200);
  await expect(quotes.nth(1)).toContainText("£140.00");
  expect(jobGets, "GETs of the job after a reload: only the revision's").toHaveLength(1);
  jobGets.length = 0;

  // One tap on "accept": the answer carries the booked job, and the events
  // it caused (booked, Dan's quote accepted, Sam's declined) are already in it.
  // No Stripe keys here: the labelled demo payment mode books without a card.
  const first = customer.locator(".compare-col").nth(0);
  await first.getByRole("button", { name: /^Accept and pay £/ }).tap();
  await expect(first.getByText("Demo payment mode")).toBeVisible();
  await first.getByRole("button", { name: /^Book for £.* \(demo\)$/ }).tap();
  await expect(customer.locator(".title-row .badge")).toHaveText("Mechanic booked");
  await expect(customer.getByRole("heading", { name: "The quote you accepted" })).toBeVisible();
  await expect(customer.locator(".compare .quote-card")).toHaveCount(1);
  await expect(customer.getByRole("button", { name: /^Accept/ })).toHaveCount(0);
  await expect(customer.locator(".payment")).toContainText("Demo: no card charged");

  // Dan's page turns into his booked job: the exact address and one next step.
  await expect(mechanic.getByText("7 Jamestown Road, London NW1 7BY")).toBeVisible();
  // Booked: her full name, on the page and in the timeline alike.
  await expect(mechanic.getByText("Nadia Rahman", { exact: true })).toBeVisible();
  await expect(mechanic.getByRole("button", { name: "I've arrived" })).toHaveCount(0);
  await mechanic.getByRole("button", { name: "I'm on my way" }).tap();
  await expect(mechanic.locator(".title-row .badge")).toHaveText("Mechanic on the way");
  await expect(mechanic.getByRole("button", { name: "I've arrived" })).toBeVisible();
  await snap(mechanic, info, "jobs-4-mechanic-en-route");

  // The customer's page follows: the status and the timeline, step by step.
  await expect(customer.locator(".title-row .badge")).toHaveText("Mechanic on the way");
  // Dan's move, which the page fetches once, marks the end of what the
  // accept caused: at most one fetch for it.
  console.log(`GETs of the job from the accept to Dan's move: ${jobGets.length}`);
  expect(jobGets.length, jobGets.join("\n")).toBeLessThanOrEqual(2);
  const timeline = customer.locator(".timeline li");
  await expect(timeline).toHaveCount(4);
  await expect(timeline.nth(0)).toContainText("Mechanic on the way");
  await expect(timeline.nth(0)).toContainText("Okafor Mobile Auto");
  await expect(timeline.nth(1)).toContainText("Mechanic booked");
  await expect(timeline.nth(3)).toContainText("Requested");
  await expectNoHorizontalScroll(customer);
  await snap(customer, info, "jobs-5-customer-sees-en-route");

  // Their list of jobs says the same.
  await customer.goto("/customer");
  await expect(customer.locator(".job-card", { hasText: "Brakes" })).toContainText("Mechanic on the way");
});
