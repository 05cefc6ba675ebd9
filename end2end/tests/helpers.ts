import { expect, type Page, type TestInfo } from "@playwright/test";
import path from "node:path";

export const PHONE = { viewport: { width: 375, height: 812 }, hasTouch: true, isMobile: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };

/** Saved under end2end/screenshots/ (ignored by git) and attached to the report. */
export async function snap(page: Page, info: TestInfo, name: string) {
  const file = path.join(__dirname, "..", "screenshots", `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await info.attach(name, { path: file, contentType: "image/png" });
}

/** Waits until the WASM bundle has hydrated the page, so taps reach Leptos. */
export async function hydrated(page: Page) {
  await page.locator("body[data-hydrated=true]").waitFor({ state: "attached", timeout: 30_000 });
}

/** The page is no wider than the viewport. */
export async function expectNoHorizontalScroll(page: Page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
}

export { expect };
