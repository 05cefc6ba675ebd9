import { test, type Page } from "@playwright/test";
import { DESKTOP, PHONE, expect, expectNoHorizontalScroll, hydrated, snap } from "./helpers";

const PASSWORD = "correct horse battery";

/** A fresh address per run, so the suite can run again against the same server. */
function uniqueEmail(name: string) {
  return `${name}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
}

async function logIn(page: Page, email: string, password: string) {
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).tap();
}

test.describe("phone, 375 px", () => {
  test.use(PHONE);

  test("a customer registers, logs out, fails and then succeeds to log in, and cannot open the admin area", async ({ page }, info) => {
    const email = uniqueEmail("ann");

    await page.goto("/");
    await hydrated(page);
    await page.getByRole("link", { name: "Book a mechanic" }).tap();
    await expect(page).toHaveURL(/\/register$/);
    await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
    await hydrated(page);

    // A weak password is refused beside its field; nothing else is lost.
    await page.getByLabel("Your name").fill("Ann Lee");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("short but");
    await page.getByLabel("Password").evaluate((el: HTMLInputElement) => el.removeAttribute("minlength"));
    await page.getByRole("button", { name: "Create account" }).tap();
    await expect(page.locator("#field-password-error")).toHaveText("Use at least 10 characters.");
    await expect(page.getByLabel("Email")).toHaveValue(email);
    await expectNoHorizontalScroll(page);
    await snap(page, info, "register-phone-weak-password");

    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).tap();
    await expect(page).toHaveURL(/\/customer$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hello, Ann Lee");
    await expect(page.getByRole("heading", { name: "No jobs yet" })).toBeVisible();
    await expectNoHorizontalScroll(page);
    await snap(page, info, "customer-home-phone");

    // Log out from the account page.
    await page.goto("/account");
    await expect(page.getByRole("heading", { name: "My account" })).toBeVisible();
    await expect(page.locator(".details")).toContainText(email);
    await hydrated(page);
    await expectNoHorizontalScroll(page);
    await snap(page, info, "account-phone");
    await page.getByRole("button", { name: "Log out", exact: true }).tap();
    await expect(page).toHaveURL(/\/$/);
    // Logging out reloads the page; the menu opens only once it has hydrated again.
    await hydrated(page);
    await page.getByRole("button", { name: "Menu" }).tap();
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Log in" })).toBeVisible();

    // The area now sends a visitor to log in, and back after.
    await page.goto("/customer");
    await expect(page).toHaveURL(/\/login\?next=\/customer$/);

    await logIn(page, email, "not my password");
    await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
    await expect(page).toHaveURL(/\/login/);
    await expectNoHorizontalScroll(page);
    await snap(page, info, "login-phone-wrong-password");

    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).tap();
    await expect(page).toHaveURL(/\/customer$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hello, Ann Lee");

    // Another role's area sends the customer home.
    await page.goto("/admin");
    await expect(page).toHaveURL(/\/customer$/);
  });

  test("a mechanic registers and sees that approval is pending", async ({ page }, info) => {
    await page.goto("/register?as=mechanic");
    await hydrated(page);
    await expect(page.getByLabel("Work as a mechanic")).toBeChecked();
    await page.getByLabel("Your name").fill("Raj Patel");
    await page.getByLabel("Email").fill(uniqueEmail("raj"));
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).tap();
    // Mechanics must give a phone number.
    await expect(page.locator("#field-phone-error")).toBeVisible();
    await page.getByLabel("Phone").fill("+44 20 7946 0958");
    await page.getByRole("button", { name: "Create account" }).tap();
    await expect(page).toHaveURL(/\/mechanic$/);
    await expect(page.getByText("Your account is pending approval.")).toBeVisible();
    await expectNoHorizontalScroll(page);
    await snap(page, info, "mechanic-home-pending-phone");
  });
});

test.describe("my account, 375 px", () => {
  test.use(PHONE);

  test("a customer edits their phone and changes their password", async ({ page }, info) => {
    const email = uniqueEmail("cat");
    await page.goto("/register");
    await hydrated(page);
    await page.getByLabel("Your name").fill("Cat Jones");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).tap();
    await expect(page).toHaveURL(/\/customer$/);

    await page.getByRole("link", { name: "My account" }).tap();
    await expect(page).toHaveURL(/\/account$/);
    await hydrated(page);
    await page.getByLabel("Phone").fill("+44 20 7946 0958");
    await page.getByRole("button", { name: "Save details" }).tap();
    await expect(page.getByText("Saved.")).toBeVisible();
    await expect(page.locator(".details")).toContainText("+44 20 7946 0958");

    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password").fill("a brand new passphrase");
    await page.getByRole("button", { name: "Change password" }).tap();
    await expect(page.locator("#field-current_password-error")).toHaveText("That is not your current password.");
    await snap(page, info, "account-phone-wrong-current-password");

    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Change password" }).tap();
    await expect(page.getByText("Password changed.")).toBeVisible();
    await expectNoHorizontalScroll(page);

    await page.getByRole("button", { name: "Log out", exact: true }).tap();
    await expect(page).toHaveURL(/\/$/);
    await page.goto("/login");
    await logIn(page, email, "a brand new passphrase");
    await expect(page).toHaveURL(/\/customer$/);
  });
});

test.describe("desktop, 1280 px", () => {
  test.use(DESKTOP);

  test("the login page and the header links for a visitor", async ({ page }, info) => {
    await page.goto("/login");
    await hydrated(page);
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Sign up" })).toBeVisible();
    await expectNoHorizontalScroll(page);
    await snap(page, info, "login-desktop");
  });
});
