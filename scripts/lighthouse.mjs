// Runs Lighthouse on each page LIGHTHOUSE_RUNS times (default 5), each page
// with its own user's session, prints each page's median run and exits 1
// when a page's median run misses a target. Called by scripts/lighthouse.sh
// with the server's base URL and the pages as `path|session token`.
import path from "node:path";

const tools = path.join(process.env.TOOLS_DIR, "node_modules");
const { default: lighthouse } = await import(path.join(tools, "lighthouse/core/index.js"));
const chromeLauncher = await import(path.join(tools, "chrome-launcher/dist/index.js"));

const [base, ...pages] = process.argv.slice(2);
const runs = Number(process.env.LIGHTHOUSE_RUNS ?? 5);
// docs/PERFORMANCE.md, "Lighthouse". Each page is judged on its median run
// (by performance score: one and the same run, all of its figures).
// LIGHTHOUSE_STRICT=1 holds the medians to the targets, with the floor as a
// retry guard: a median between the floor and the targets is measured once
// more, because whatever else a busy machine does (CI builds beside it)
// adds blocking time; a median below the floor, or a second median short of
// the targets, fails. Until every page meets the targets (issue 46), the
// default holds the medians to the floor and prints what is short of the
// targets.
const goals = {
  target: { performance: 95, accessibility: 100, "best-practices": 100, tbtMs: 150 },
  floor: { performance: 85, accessibility: 100, "best-practices": 100, tbtMs: 400 },
};
const strict = process.env.LIGHTHOUSE_STRICT === "1";

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});

const rows = [];
let failed = false;

async function measure(page, token) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const { lhr } = await lighthouse(`${base}${page}`, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: ["performance", "accessibility", "best-practices"],
      extraHeaders: { Cookie: `curbside_session=${token}` },
    });
    const score = (c) => Math.round((lhr.categories[c]?.score ?? 0) * 100);
    const failing = (c) =>
      lhr.categories[c].auditRefs
        .filter((r) => r.weight > 0 && (lhr.audits[r.id].score ?? 1) < 1)
        .map((r) => r.id);
    results.push({
      performance: score("performance"),
      accessibility: score("accessibility"),
      "best-practices": score("best-practices"),
      lcpMs: Math.round(lhr.audits["largest-contentful-paint"].numericValue),
      tbtMs: Math.round(lhr.audits["total-blocking-time"].numericValue),
      fcpMs: Math.round(lhr.audits["first-contentful-paint"].numericValue),
      notes: [
        ...failing("accessibility"),
        ...failing("best-practices"),
        ...(lhr.audits["errors-in-console"].details?.items ?? []).map((i) => `console: ${String(i.description).slice(0, 160)}`),
      ],
    });
  }
  const all = results.map((r) => r.performance).join("/");
  results.sort((a, b) => a.performance - b.performance || b.tbtMs - a.tbtMs);
  return { median: results[Math.floor(results.length / 2)], all, notes: [...new Set(results.flatMap((r) => r.notes))] };
}

const misses = (r, t) =>
  [
    r.performance < t.performance && `performance ${r.performance} < ${t.performance}`,
    r.accessibility < t.accessibility && `accessibility ${r.accessibility}`,
    r["best-practices"] < t["best-practices"] && `best practices ${r["best-practices"]}`,
    r.tbtMs > t.tbtMs && `TBT ${r.tbtMs} ms > ${t.tbtMs} ms`,
  ].filter(Boolean);

try {
  for (const spec of pages) {
    const [page, token] = spec.split("|");
    let m = await measure(page, token);
    let retried = "";
    if (strict && misses(m.median, goals.target).length > 0 && misses(m.median, goals.floor).length === 0) {
      retried = `first median ${m.median.performance}, TBT ${m.median.tbtMs} ms (${m.all}); measured again`;
      m = await measure(page, token);
    }
    const missed = misses(m.median, strict ? goals.target : goals.floor);
    const short = misses(m.median, goals.target);
    failed ||= missed.length > 0;
    rows.push({ page, runs: m.all, ...m.median, notes: m.notes, missed, short, retried });
  }
} finally {
  await chrome.kill();
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`Lighthouse ${runs} runs per page (mobile, simulated throttling); each page's median run:`);
console.log(`${pad("page", 34)}${pad("perf (all runs)", 28)}${pad("a11y", 6)}${pad("bp", 5)}${pad("FCP", 9)}${pad("LCP", 9)}TBT`);
for (const r of rows) {
  console.log(
    `${pad(r.page.replace(/jobs\/.*/, "jobs/<Tom's>"), 34)}${pad(`${r.performance} (${r.runs})`, 28)}${pad(r.accessibility, 6)}${pad(r["best-practices"], 5)}` +
      `${pad(`${r.fcpMs} ms`, 9)}${pad(`${r.lcpMs} ms`, 9)}${r.tbtMs} ms`,
  );
  if (r.retried) console.log(`  ${r.retried}`);
  if (r.notes.length) console.log(`  failing audits: ${r.notes.join(", ")}`);
  if (r.missed.length) console.log(`  FAILED: ${r.missed.join("; ")}`);
  else if (r.short.length) console.log(`  short of the target: ${r.short.join("; ")}`);
}
const describe = (t) =>
  `performance >= ${t.performance}, accessibility ${t.accessibility}, best practices ${t["best-practices"]}, TBT <= ${t.tbtMs} ms`;
console.log(`Target: ${describe(goals.target)}.`);
console.log(`Enforced on each page's median run (${strict ? "LIGHTHOUSE_STRICT=1: the target" : "the floor"}): ${describe(strict ? goals.target : goals.floor)}.`);
if (strict) console.log(`A median short of the target but not of the floor (a busy machine) is measured once more: ${describe(goals.floor)}.`);
if (failed) process.exit(1);
