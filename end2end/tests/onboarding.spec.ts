import { test } from "@playwright/test";
import { desktopPage, expect, expectNoHorizontalScroll, hydrated, logIn, phonePage, snap } from "./helpers";

// Seeded on the e2e server's empty database (see README, "Demo data").
const DEMO_ADMIN = "admin@demo.curbside.test";
const DEMO_PASSWORD = "curbside-demo";
const PASSWORD = "correct horse battery";

function uniqueEmail(name: string) {
  return `${name}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
}

test("a mechanic fills in their profile, the demo admin approves them, and they see it", async ({ browser }, info) => {
  const email = uniqueEmail("raj");
  const name = `Raj Patel ${Date.now() % 100000}`;

  // The mechanic, on a phone.
  const mechanic = await phonePage(browser);
  await mechanic.goto("/register?as=mechanic");
  await hydrated(mechanic);
  await mechanic.getByLabel("Your name").fill(name);
  await mechanic.getByLabel("Email").fill(email);
  await mechanic.getByLabel("Phone").fill("+44 20 7946 0958");
  await mechanic.getByLabel("Password").fill(PASSWORD);
  await mechanic.getByRole("button", { name: "Create account" }).tap();
  await expect(mechanic).toHaveURL(/\/mechanic$/);
  await expect(mechanic.getByText("Your account is pending approval.")).toBeVisible();
  await expect(mechanic.getByRole("heading", { name: "Complete your profile" })).toBeVisible();
  await hydrated(mechanic);
  await mechanic.getByRole("link", { name: "Fill in your profile" }).tap();
  await expect(mechanic).toHaveURL(/\/mechanic\/profile$/);
  await expect(mechanic.getByRole("heading", { name: "Your profile" })).toBeVisible();

  await mechanic.getByLabel("Business or display name").fill("Patel Mobile Brakes");
  await mechanic.getByLabel("About you").fill("Brakes and tyres on your driveway, most family cars.");
  await mechanic.getByLabel("Brakes").check();
  await mechanic.getByLabel("Tyres").check();
  await mechanic.getByLabel("Years of experience").fill("8");
  await mechanic.getByLabel("Where you work from").fill("Islington, London N1");
  await mechanic.getByLabel("Latitude").fill("51.5416");
  await mechanic.getByLabel("Longitude").fill("-0.1022");
  // Too far: refused beside the field, and nothing typed is lost.
  await mechanic.getByLabel("How far you travel (km)").fill("150");
  await mechanic.getByRole("button", { name: "Save profile" }).tap();
  await expect(mechanic.locator("#field-radius_km-error")).toContainText("from 1 to 100");
  await expect(mechanic.getByLabel("Business or display name")).toHaveValue("Patel Mobile Brakes");
  await expectNoHorizontalScroll(mechanic);
  await snap(mechanic, info, "mechanic-profile-phone-radius-error");

  await mechanic.getByLabel("How far you travel (km)").fill("15");
  await mechanic.getByRole("button", { name: "Save profile" }).tap();
  await expect(mechanic).toHaveURL(/\/mechanic$/);
  await expect(mechanic.getByRole("heading", { name: "Patel Mobile Brakes" })).toBeVisible();
  await expect(mechanic.getByText("An admin will review your profile.")).toBeVisible();
  await expect(mechanic.getByRole("list", { name: "Skills" })).toContainText("Brakes");
  await expect(mechanic.getByText("Up to 15 km")).toBeVisible();
  await expectNoHorizontalScroll(mechanic);
  await snap(mechanic, info, "mechanic-home-phone-profile-pending");

  // The demo admin, at a desk.
  const admin = await desktopPage(browser);
  await logIn(admin, DEMO_ADMIN, DEMO_PASSWORD);
  await expect(admin).toHaveURL(/\/admin$/);
  await expect(admin.getByRole("heading", { name: "Mechanics awaiting review" })).toBeVisible();
  await expect(admin.getByRole("link", { name })).toBeVisible();
  await snap(admin, info, "admin-overview-desktop");

  await hydrated(admin);
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(admin).toHaveURL(/\/admin\/users$/);
  await admin.getByLabel("Name or email").fill(email);
  await admin.getByRole("button", { name: "Filter" }).click();
  await expect(admin).toHaveURL(/search=/);
  await expect(admin.getByText("Page 1 of 1 · 1 user")).toBeVisible();
  await snap(admin, info, "admin-users-desktop-search");
  await admin.getByRole("link", { name }).click();

  await expect(admin.getByRole("heading", { name: "Mechanic profile" })).toBeVisible();
  await expect(admin.locator(".details").last()).toContainText("Patel Mobile Brakes");
  await snap(admin, info, "admin-review-desktop-pending");
  await admin.getByRole("button", { name: "Approve" }).click();
  await expect(admin.getByRole("status")).toHaveText(`Done: ${name} is now active.`);
  await expect(admin.locator(".title-row .badge")).toHaveText("Active");
  await expect(admin.getByRole("button", { name: "Suspend" })).toBeVisible();
  await snap(admin, info, "admin-review-desktop-approved");

  // The audit log names who approved whom.
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await admin.getByLabel("Action").selectOption("mechanic.approved");
  await admin.getByRole("button", { name: "Filter" }).click();
  await expect(admin).toHaveURL(/action=mechanic.approved/);
  const row = admin.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("Alex Morgan");
  await expect(row).toContainText("Mechanic approved");
  await snap(admin, info, "admin-audit-desktop");

  // The mechanic sees it on their next visit.
  await mechanic.reload();
  await expect(mechanic.locator(".banner")).toContainText("Your account is approved.");
  await snap(mechanic, info, "mechanic-home-phone-approved");

  // Suspending with a reason logs the mechanic out at once; the login page says why.
  await admin.getByRole("link", { name }).first().click();
  await hydrated(admin);
  await admin.getByLabel("Why are you suspending them?").fill("Customer complaints under review");
  await admin.getByRole("button", { name: "Suspend" }).click();
  await expect(admin.locator(".title-row .badge")).toHaveText("Suspended");

  await mechanic.reload();
  await expect(mechanic).toHaveURL(/\/login/);
  await hydrated(mechanic);
  await mechanic.getByLabel("Email").fill(email);
  await mechanic.getByLabel("Password").fill(PASSWORD);
  await mechanic.getByRole("button", { name: "Log in" }).tap();
  await expect(mechanic.getByRole("alert")).toContainText("Customer complaints under review");
  await snap(mechanic, info, "login-phone-suspended");
});
