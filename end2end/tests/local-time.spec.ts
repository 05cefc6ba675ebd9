import { test } from "@playwright/test";
import { PHONE, expect, hydrated, logIn, snap } from "./helpers";

// Seeded on the e2e server's empty database (see README, "Demo data").
const PRIYA = "priya@demo.curbside.test";
const DEMO_PASSWORD = "curbside-demo";
// Half an hour off the hour, so a time shown in UTC can never pass for local.
const ZONE = "Asia/Kolkata";

/** `26 Nov 2026, 14:30` in ZONE: how the app writes a local time. */
function inZone(at: Date): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: ZONE,
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const part = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${part("day")} ${part("month")} ${part("year")}, ${part("hour")}:${part("minute")}`;
}

test("a customer in another time zone types and reads times in their own", async ({ browser }, info) => {
  const context = await browser.newContext({ ...PHONE, timezoneId: ZONE });
  const page = await context.newPage();
  await logIn(page, PRIYA, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/customer$/);
  await page.goto("/customer/request");
  await hydrated(page);

  // Tomorrow, 09:00 to 11:30 on the customer's own clock.
  const tomorrow = new Date(Date.now() + 86_400_000)
    .toLocaleDateString("en-CA", { timeZone: ZONE }); // YYYY-MM-DD
  await page.getByLabel("What needs doing").selectOption("battery");
  await page.getByLabel("Describe the problem").fill("The car will not start in the mornings; the battery light flickers.");
  await page.getByLabel("Address", { exact: true }).fill("12 Pratt Street, London NW1");
  await page.getByLabel("Area").fill("Camden, London");
  await page.locator(".pin-picker .leaflet-container").waitFor();
  await page.locator(".pin-picker .map").tap();
  await page.getByText("In a time window (below)").tap();
  await page.getByLabel("Window from").fill(`${tomorrow}T09:00`);
  await page.getByLabel("Window until").fill(`${tomorrow}T11:30`);
  await page.getByRole("button", { name: "Ask for quotes" }).tap();
  await expect(page).toHaveURL(/\/customer\/jobs\/[0-9a-f-]{36}$/);
  const jobId = page.url().split("/").pop()!;

  // Stored as the instant the customer meant: 09:00 in Kolkata is 03:30 UTC.
  const job = await (await page.request.get(`/api/job?id=${jobId}`)).json();
  expect(job.urgency.kind).toBe("window");
  expect(new Date(job.urgency.start).toISOString()).toBe(`${tomorrow}T03:30:00.000Z`);
  expect(new Date(job.urgency.end).toISOString()).toBe(`${tomorrow}T06:00:00.000Z`);

  // Shown back as typed, and every other time on the page in the same zone.
  await hydrated(page);
  const when = page.locator("dt:has-text('When') + dd");
  await expect(when).toHaveText(`${inZone(new Date(job.urgency.start))} – ${inZone(new Date(job.urgency.end))}`);
  const requested = page.locator("dt:has-text('Requested') + dd time");
  await expect(requested).toHaveText(inZone(new Date(job.created_at)));
  await expect(page.locator("main")).not.toContainText("UTC");
  await snap(page, info, "local-time-job-page");

  // The server's HTML, before any script runs, says plainly that it is UTC.
  const html = await (await page.request.get(`/customer/jobs/${jobId}`)).text();
  expect(html).toContain("UTC");
  await context.close();
});
