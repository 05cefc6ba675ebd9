import { test } from "@playwright/test";
import { DESKTOP, PHONE, expect, expectNoHorizontalScroll, hydrated, snap } from "./helpers";

test.describe("phone, 375 px", () => {
  test.use(PHONE);

  test("the menu opens on tap once hydrated, and nothing scrolls sideways", async ({ page }, info) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Car trouble? A vetted mechanic comes to you.");
    await hydrated(page);
    await expectNoHorizontalScroll(page);
    await snap(page, info, "landing-phone");

    const toggle = page.getByRole("button", { name: "Menu" });
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await expect(nav).toBeHidden();

    await toggle.tap();
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
    await expect(nav).toBeVisible();
    // site_config says live tracking is on, so the shell shows it.
    await expect(nav.getByRole("link", { name: "Live tracking" })).toBeVisible();
    await expectNoHorizontalScroll(page);
    await snap(page, info, "landing-phone-menu-open");

    await nav.getByRole("link", { name: "How it works" }).tap();
    await expect(nav).toBeHidden();
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
  });
});

test.describe("desktop, 1280 px", () => {
  test.use(DESKTOP);

  test("the page renders with the navigation inline", async ({ page }, info) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Car trouble? A vetted mechanic comes to you.");
    await expect(page.getByRole("heading", { name: "How it works" })).toBeVisible();
    await hydrated(page);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Menu" })).toBeHidden();
    await expectNoHorizontalScroll(page);
    await snap(page, info, "landing-desktop");
  });
});
