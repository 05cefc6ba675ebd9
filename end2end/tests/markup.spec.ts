import { test } from "@playwright/test";
import { bookedJobWithPhoto, expect, hydrated, newMechanic, phonePage, snap } from "./helpers";

// The stored-markup sweep for text the browser draws itself (a message, a
// photo's caption); server/tests/security.rs sweeps what the server renders.
const MARKUP = "</textarea></script><img src=x onerror=\"document.title='pwned'\">";

test("markup in a message and a photo caption is shown as text on both phones", async ({ browser }, info) => {
  const customer = await phonePage(browser);
  const mechanic = await newMechanic(browser);
  const job = await bookedJobWithPhoto(customer, mechanic, `See you at nine ${MARKUP}`, `Front wheel ${MARKUP}`);
  for (const [page, path] of [[customer, `/customer/jobs/${job}`], [mechanic, `/mechanic/jobs/${job}`]] as const) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.locator(".chat-msg", { hasText: "See you at nine" })).toContainText(MARKUP);
    const caption = `Front wheel ${MARKUP}`;
    await expect(page.getByRole("img", { name: caption })).toBeVisible();
    await page.getByRole("button", { name: `Open ${caption}` }).tap();
    await expect(page.getByRole("dialog", { name: "Photo" })).toContainText(MARKUP);
    // Drawn as text: no element came of it, and its script never ran.
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    expect(await page.title()).not.toBe("pwned");
    await snap(page, info, `markup-${page === customer ? "customer" : "mechanic"}`);
  }
});
