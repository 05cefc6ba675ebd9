import { test, type Page } from "@playwright/test";
import { expect, expectNoHorizontalScroll, hydrated, live, logIn, phonePage, snap } from "./helpers";

const DEMO_PASSWORD = "curbside-demo";
const DAN = "dan@demo.curbside.test"; // Camden, 12 km

async function ok(r: Awaited<ReturnType<Page["request"]["post"]>>) {
  expect(r.status(), await r.text()).toBe(200);
  return r.json();
}

/** A fresh customer signed in on `page` with a brakes job in Camden that Dan quoted for and she booked. */
async function bookedJob(page: Page, dan: Page): Promise<string> {
  const run = `${Date.now() % 1_000_000}.${Math.floor(Math.random() * 1e6)}`;
  await ok(await page.request.post("/api/register", {
    form: { name: "Nadia Rahman", email: `nadia.photo.${run}@example.com`, password: "correct horse battery", role: "customer" },
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
  const quote = await ok(await dan.request.post("/api/send_quote", {
    form: { job_id: job.id, "items[0][kind]": "labour", "items[0][description]": "Replace front pads", "items[0][amount]": "80", arrival_minutes: "45", valid_hours: "24" },
  }));
  await ok(await page.request.post("/api/accept_quote", { form: { id: quote.id } }));
  return job.id;
}

// Two phones, no reloads: the customer's gallery fills as the mechanic's upload finishes.
test("the booked mechanic uploads a before photo with a progress bar and the customer's gallery shows it live", async ({ browser }, info) => {
  const customer = await phonePage(browser);
  const mechanic = await phonePage(browser);
  await logIn(mechanic, DAN, DEMO_PASSWORD);
  await expect(mechanic).toHaveURL(/\/mechanic$/);
  const jobId = await bookedJob(customer, mechanic);

  await customer.goto(`/customer/jobs/${jobId}`);
  await hydrated(customer);
  await live(customer);
  await expect(customer.getByRole("heading", { name: "Photos" })).toBeVisible();
  await expect(customer.getByText("No photos yet.")).toBeVisible();

  await mechanic.goto(`/mechanic/jobs/${jobId}`);
  await hydrated(mechanic);
  await live(mechanic);
  const photos = mechanic.locator("section.photos");
  await expect(photos.getByRole("heading", { name: "Photos" })).toBeVisible();

  // A picture of the page itself stands in for the camera's.
  const picture = await customer.screenshot();
  // Hold the bytes on their way for a moment, so the bar can be seen.
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  await mechanic.route("**/api/photo_blob/**", async (route) => {
    await held;
    await route.continue();
  });
  await photos.getByLabel("What does it show?").selectOption("before");
  await photos.getByLabel("Caption (optional)").fill("Front pads, worn to the metal");
  await photos.locator("input[type=file]").setInputFiles({ name: "pads.png", mimeType: "image/png", buffer: picture });

  const upload = photos.locator(".upload");
  await expect(upload).toHaveAttribute("data-stage", "sending");
  await expect(upload.locator("progress")).toBeVisible();
  await expect(upload.getByRole("button", { name: "Cancel" })).toBeVisible();
  await expectNoHorizontalScroll(mechanic);
  await snap(mechanic, info, "photos-1-mechanic-sending");
  release();
  await expect(upload).toHaveCount(0);
  await expect(photos.getByRole("heading", { name: "Before" })).toBeVisible();
  await expect(photos.locator(".photo-grid img")).toHaveCount(1);

  // The customer's page heard `photo:added` and fetched the gallery.
  const gallery = customer.locator("section.photos");
  await expect(gallery.getByRole("heading", { name: "Before" })).toBeVisible();
  const thumb = gallery.getByRole("img", { name: "Front pads, worn to the metal" });
  await expect(thumb).toBeVisible();
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expect(customer.getByText("No photos yet.")).toHaveCount(0);
  // A customer adds photos of the problem, not of the work.
  await expect(gallery.getByLabel("What does it show?")).toHaveCount(0);
  await expectNoHorizontalScroll(customer);
  await snap(customer, info, "photos-2-customer-gallery");

  // Full screen, and no delete button on someone else's photo.
  await gallery.getByRole("button", { name: "Open Front pads, worn to the metal" }).tap();
  const viewer = customer.getByRole("dialog", { name: "Photo" });
  await expect(viewer).toBeVisible();
  await expect(viewer).toContainText("1 of 1");
  await expect(viewer.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect.poll(() => viewer.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await snap(customer, info, "photos-3-customer-viewer");
  await viewer.getByRole("button", { name: "Close" }).tap();
  await expect(viewer).toHaveCount(0);
});
