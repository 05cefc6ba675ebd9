import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// The debug server built by `make build` (`cargo leptos build`), on a fresh SQLite database.
const port = Number(process.env.E2E_PORT ?? 3199);
const baseURL = `http://127.0.0.1:${port}`;
const root = path.resolve(__dirname, "..");
// cargo-leptos puts the site under ./target/site whatever CARGO_TARGET_DIR says;
// the server binary follows CARGO_TARGET_DIR.
const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, "target");
const dataDir = mkdtempSync(path.join(tmpdir(), "curbside-e2e-"));

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium; Playwright's own browser download does not work here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    // E2E_SERVER runs the suite against another build, e.g. target/server-release/server.
    command: process.env.E2E_SERVER ? path.resolve(root, process.env.E2E_SERVER) : path.join(targetDir, "debug/server"),
    cwd: dataDir,
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: `sqlite://${dataDir}/e2e.db`,
      LEPTOS_SITE_ROOT: path.join(root, "target/site"),
      RUST_LOG: "warn",
      // The journeys start from the demo mechanics and admin.
      DEMO_DATA: "true",
      // No tile server in tests: maps draw their pins on a plain background.
      MAP_TILE_URL: "none",
      // The push service stand-in's endpoints are http://localhost (scripts/web-push-testing.sh).
      PUSH_ALLOW_LOOPBACK_HTTP: "true",
      // Each spec makes the people it changes, all from this one address.
      SIGNUPS_PER_HOUR: "1000",
    },
  },
});
