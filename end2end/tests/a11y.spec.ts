import AxeBuilder from "@axe-core/playwright";
import { test, type Page } from "@playwright/test";
import { bookedJobWithPhoto, desktopPage, expect, hydrated, logIn, newMechanic, phonePage, snap } from "./helpers";

// Seeded on the e2e server's empty database (see README, "Demo data").
const DEMO_PASSWORD = "curbside-demo";

/** axe-core's serious and critical findings on the page as it stands, as readable lines. */
async function problems(page: Page): Promise<string[]> {
  await hydrated(page);
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa"]).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ")}`));
}

test("the admin console has no serious accessibility problems", async ({ browser }, info) => {
  const page = await desktopPage(browser);
  await logIn(page, "admin@demo.curbside.test", DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/admin$/);
  for (const path of ["/admin", "/admin/users", "/admin/jobs", "/admin/map", "/admin/audit", "/admin/payments", "/admin/reports"]) {
    await page.goto(path);
    expect(await problems(page), path).toEqual([]);
  }
  // A payment of its own to open (the demo data has none).
  const mechanic = await newMechanic(browser);
  const customer = await phonePage(browser);
  await bookedJobWithPhoto(customer, mechanic, "See you at nine", "Front wheel");
  await customer.context().close();
  await mechanic.context().close();
  await page.goto("/admin/payments");
  await hydrated(page);
  await page.locator('a[href^="/admin/payments/"]').first().click();
  await expect(page).toHaveURL(/\/admin\/payments\/[0-9a-f-]{36}$/);
  expect(await problems(page), "a payment's page").toEqual([]);
  // The console's own links in the header, the current page marked.
  await page.goto("/admin/users");
  await hydrated(page);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Users" })).toHaveAttribute("aria-current", "page");
  await expect(nav.getByRole("link", { name: "How it works" })).toHaveCount(0);
  await snap(page, info, "a11y-admin-users-header");
  // A user's page, from the list.
  await page.locator("table.grid a").first().click();
  await expect(page).toHaveURL(/\/admin\/users\/[0-9a-f-]{36}$/);
  expect(await problems(page), "a user's page").toEqual([]);
});

test("visitors', customers' and mechanics' pages have no serious accessibility problems", async ({ browser }) => {
  const visitor = await phonePage(browser);
  for (const path of ["/", "/login", "/register"]) {
    await visitor.goto(path);
    expect(await problems(visitor), path).toEqual([]);
  }
  const customer = await phonePage(browser);
  await logIn(customer, "tom@demo.curbside.test", DEMO_PASSWORD);
  await expect(customer).toHaveURL(/\/customer$/);
  for (const path of ["/customer", "/customer/request", "/customer/garage", "/account", "/notifications"]) {
    await customer.goto(path);
    expect(await problems(customer), path).toEqual([]);
  }
  await customer.goto("/customer");
  await customer.locator(".job-card a").first().click();
  await expect(customer).toHaveURL(/\/customer\/jobs\//);
  expect(await problems(customer), "a customer's job").toEqual([]);
  const mechanic = await phonePage(browser);
  await logIn(mechanic, "dan@demo.curbside.test", DEMO_PASSWORD);
  await expect(mechanic).toHaveURL(/\/mechanic$/);
  for (const path of ["/mechanic", "/mechanic/profile", "/notifications"]) {
    await mechanic.goto(path);
    expect(await problems(mechanic), path).toEqual([]);
  }
});

test("a booked job's page with its conversation and the photo viewer open has no serious accessibility problems", async ({ browser }) => {
  const customer = await phonePage(browser);
  const mechanic = await newMechanic(browser);
  const job = await bookedJobWithPhoto(customer, mechanic, "See you at nine", "Front wheel");
  await mechanic.context().close();
  await customer.goto(`/customer/jobs/${job}`);
  await expect(customer.locator(".chat-msg", { hasText: "See you at nine" })).toBeVisible();
  expect(await problems(customer), "a booked job with a message").toEqual([]);
  await customer.getByRole("button", { name: "Open Front wheel" }).tap();
  await expect(customer.getByRole("dialog", { name: "Photo" })).toBeVisible();
  expect(await problems(customer), "the photo viewer").toEqual([]);
});
