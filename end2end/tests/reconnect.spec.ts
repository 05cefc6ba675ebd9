import { test } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, hydrated, live, snap, startServer, stopServer } from "./helpers";

// A server of this test's own, so it can be stopped and started again
// under an open page (the suite's shared server stays up).
const port = Number(process.env.E2E_RECONNECT_PORT ?? 3198);
const baseURL = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(path.join(tmpdir(), "curbside-reconnect-"));
const start = () => startServer(port, dataDir, { DEMO_DATA: "true" });

test("a page says when its live updates drop, and carries on by itself once the server is back", async ({ browser }, info) => {
  let server = await start();
  try {
    const page = await (await browser.newContext({ baseURL, viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true })).newPage();
    await page.goto("/login");
    await hydrated(page);
    await page.getByLabel("Email").fill("priya@demo.curbside.test");
    await page.getByLabel("Password").fill("curbside-demo");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/customer$/);
    await hydrated(page);
    await live(page);
    const notice = page.getByRole("status").filter({ hasText: "Reconnecting to live updates" });
    await expect(notice).toBeHidden();

    await stopServer(server);
    await expect(notice).toBeVisible();
    await snap(page, info, "reconnecting-phone");

    server = await start();
    // Backing off 1 s, 2 s, 4 s …: back within a few seconds, without a reload.
    await expect(notice).toBeHidden({ timeout: 30_000 });
    await live(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  } finally {
    await stopServer(server);
  }
});
