import { test } from "@playwright/test";
import { bookedJob, expect, expectNoHorizontalScroll, hydrated, live, newMechanic, phonePage, snap } from "./helpers";

// Two phones, no reloads: the customer's gallery fills as the mechanic's upload finishes.
test("the booked mechanic uploads a before photo with a progress bar and the customer's gallery shows it live", async ({ browser }, info) => {
  const customer = await phonePage(browser);
  const mechanic = await newMechanic(browser);
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
