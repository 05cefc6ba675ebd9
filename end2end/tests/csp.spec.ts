import { test, type Page } from "@playwright/test";
import { bookedJobWithPhoto, desktopPage, expect, expectNoViolation, hydrated, live, logIn, newMechanic, phonePage, watchPolicy } from "./helpers";

// Seeded on the e2e server's empty database (see README, "Demo data").
const DEMO_PASSWORD = "curbside-demo";

/**
 * Opens `path` under an enforced policy, waits for the app to run (and, for
 * a signed-in caller, its event stream to open), and expects no violation.
 * `refused` keeps every refusal the console reported since the page was
 * opened, so one that comes after a check is caught by the next visit's.
 */
async function visit(page: Page, refused: string[], path: string, signedIn = true) {
  const res = await page.goto(path);
  const policy = res?.headers()["content-security-policy"] ?? "";
  expect(policy, `${path} is served with a policy`).toContain("'nonce-");
  expect(policy).toContain("object-src 'none'");
  // A refused script would stop the app from ever hydrating: say so first.
  await hydrated(page).catch(async (e) => {
    await expectNoViolation(page, refused, path);
    throw e;
  });
  if (signedIn) await live(page);
  await expectNoViolation(page, refused, path);
}

/** The first link on the page whose address starts with `prefix`. */
async function firstLink(page: Page, prefix: string): Promise<string> {
  const href = await page.locator(`a[href^="${prefix}"]`).first().getAttribute("href");
  expect(href, `a link to ${prefix}…`).toBeTruthy();
  return href as string;
}

// Each page hydrates under the policy; a role's pages take 10–20 s in all.
test.describe.configure({ timeout: 120_000 });

test("a visitor's pages run under the content security policy without a violation", async ({ browser }) => {
  const visitor = await phonePage(browser);
  const seen = await watchPolicy(visitor);
  for (const path of ["/", "/login", "/register", "/register?as=mechanic", "/no/such/page"]) {
    await visit(visitor, seen, path, false);
  }
});

test("a customer's pages run under the policy without a violation", async ({ browser }) => {
  const customer = await phonePage(browser);
  const seen = await watchPolicy(customer);
  await logIn(customer, "tom@demo.curbside.test", DEMO_PASSWORD);
  await expect(customer).toHaveURL(/\/customer$/);
  for (const path of ["/customer", "/customer/request", "/customer/garage", "/account", "/notifications"]) {
    await visit(customer, seen, path);
  }
  await visit(customer, seen, "/customer");
  await visit(customer, seen, await firstLink(customer, "/customer/jobs/"));
});

test("a mechanic's pages run under the policy without a violation", async ({ browser }) => {
  const mechanic = await phonePage(browser);
  const seen = await watchPolicy(mechanic);
  await logIn(mechanic, "dan@demo.curbside.test", DEMO_PASSWORD);
  await expect(mechanic).toHaveURL(/\/mechanic$/);
  for (const path of ["/mechanic", "/mechanic/profile"]) {
    await visit(mechanic, seen, path);
  }
  await visit(mechanic, seen, "/mechanic");
  await visit(mechanic, seen, await firstLink(mechanic, "/mechanic/jobs/"));
});

test("the admin console runs under the policy without a violation", async ({ browser }) => {
  const admin = await desktopPage(browser);
  const seen = await watchPolicy(admin);
  await logIn(admin, "admin@demo.curbside.test", DEMO_PASSWORD);
  await expect(admin).toHaveURL(/\/admin$/);
  for (const path of ["/admin", "/admin/users", "/admin/audit", "/admin/jobs", "/admin/map", "/admin/payments", "/admin/reports"]) {
    await visit(admin, seen, path);
  }
  // A payment of its own to open (the demo data has none).
  const mechanic = await newMechanic(browser);
  const customer = await phonePage(browser);
  await bookedJobWithPhoto(customer, mechanic, "See you at nine", "Front wheel");
  await customer.context().close();
  await mechanic.context().close();
  await visit(admin, seen, "/admin/payments");
  await visit(admin, seen, await firstLink(admin, "/admin/payments/"));
  await visit(admin, seen, "/admin/jobs");
  await visit(admin, seen, await firstLink(admin, "/admin/jobs/"));
  await visit(admin, seen, "/admin/users");
  await visit(admin, seen, await firstLink(admin, "/admin/users/"));
});

test("a booked job's page runs under the policy with a message sent and the photo viewer open", async ({ browser }) => {
  const customer = await phonePage(browser);
  const mechanic = await newMechanic(browser);
  const job = await bookedJobWithPhoto(customer, mechanic, "See you at nine", "Front wheel");
  await mechanic.context().close();
  const seen = await watchPolicy(customer);
  await visit(customer, seen, `/customer/jobs/${job}`);
  await customer.getByLabel("Message", { exact: true }).fill("The gate is open.");
  await customer.getByRole("button", { name: "Send", exact: true }).tap();
  await expect(customer.locator(".chat-msg.mine", { hasText: "The gate is open." }).locator(".chat-receipt")).toHaveText(/Sent|Read/);
  await customer.getByRole("button", { name: "Open Front wheel" }).tap();
  const viewer = customer.getByRole("dialog", { name: "Photo" });
  await expect(viewer).toBeVisible();
  await expect.poll(() => viewer.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expectNoViolation(customer, seen, "the photo viewer");
});
