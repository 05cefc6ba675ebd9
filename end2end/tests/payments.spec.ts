import { test, type APIRequestContext } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DESKTOP, PHONE, expect, expectNoHorizontalScroll, expectNoViolation, hydrated, live, snap, startServer, stopServer, watchPolicy } from "./helpers";

// A server of its own with Stripe's keys, pointed at localstripe (started
// by `make e2e`, which sets TEST_STRIPE_API_BASE): its fake Stripe.js
// draws the card form, and the card goes to localstripe, never to us.
const STRIPE = process.env.TEST_STRIPE_API_BASE;
const PORT = 3197;
const BASE = `http://127.0.0.1:${PORT}`;
const DEMO_PASSWORD = "curbside-demo";

async function token(request: APIRequestContext, email: string) {
  const r = await request.post(`${BASE}/api/login`, { form: { email, password: DEMO_PASSWORD } });
  expect(r.status(), await r.text()).toBe(200);
  return (await r.json()).token as string;
}

async function logIn(page: import("@playwright/test").Page, email: string) {
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
}

async function typeCard(page: import("@playwright/test").Page, number: string) {
  const field = (name: string) => page.locator(`.card-field input[placeholder=${name}]`);
  await field("number").fill(number);
  await field("exp_month").fill("12");
  await field("exp_year").fill("34");
  await field("cvc").fill("123");
  await field("postal_code").fill("NW17");
}

test("the customer pays with a card in the form, the mechanic sees it held and takes it, the customer gets the receipt", async ({ browser, request }, info) => {
  // `make e2e` always starts localstripe; without it this journey cannot be shown, so it fails.
  if (!STRIPE) throw new Error("TEST_STRIPE_API_BASE is not set: run through scripts/localstripe.sh (make e2e does)");
  const dir = mkdtempSync(path.join(tmpdir(), "curbside-e2e-pay-"));
  const server = await startServer(PORT, dir, {
    DEMO_DATA: "true",
    STRIPE_SECRET_KEY: "sk_test_curbside_e2e",
    STRIPE_PUBLISHABLE_KEY: "pk_test_curbside_e2e",
    STRIPE_WEBHOOK_SECRET: "whsec_curbside_e2e",
    STRIPE_API_BASE: STRIPE!,
  });
  try {
    // Tom's open battery job; Dan quotes £60 for it.
    const tom = await token(request, "tom@demo.curbside.test");
    const dan = await token(request, "dan@demo.curbside.test");
    const jobs = await (await request.get(`${BASE}/api/my_jobs`, { headers: { Authorization: `Bearer ${tom}` } })).json();
    const job = jobs.find((j: { status: string }) => j.status === "requested" || j.status === "quoted").id as string;
    const q = await request.post(`${BASE}/api/send_quote`, {
      headers: { Authorization: `Bearer ${dan}` },
      form: {
        job_id: job,
        "items[0][kind]": "labour",
        "items[0][description]": "Test and replace battery",
        "items[0][amount]": "45",
        "items[1][kind]": "parts",
        "items[1][description]": "Battery, 60 Ah",
        "items[1][amount]": "15",
        arrival_minutes: "30",
        valid_hours: "12",
      },
    });
    expect(q.status(), await q.text()).toBe(200);

    const customer = await (await browser.newContext(PHONE)).newPage();
    // The card form is Stripe.js (localstripe's) under the enforced policy.
    const refused = await watchPolicy(customer);
    await logIn(customer, "tom@demo.curbside.test");
    await expect(customer).toHaveURL(/\/customer$/);
    await customer.goto(`${BASE}/customer/jobs/${job}`);
    await hydrated(customer);
    await live(customer);
    await customer.getByRole("button", { name: "Accept and pay £60.00" }).tap();
    await expect(customer.locator(".card-field input[placeholder=number]")).toBeVisible();

    // A card the bank refuses: Stripe's words beside the form, nothing booked.
    await typeCard(customer, "4000000000000341");
    await customer.getByRole("button", { name: "Book for £60.00" }).tap();
    await expect(customer.locator(".checkout [role=alert]")).toHaveText("Your card was declined.");
    await expect(customer.locator(".title-row .badge")).toHaveText("Quotes received");
    await expectNoHorizontalScroll(customer);
    await snap(customer, info, "payments-1-card-declined");

    // Another card: held, and the job is booked.
    await typeCard(customer, "4242424242424242");
    await customer.getByRole("button", { name: "Book for £60.00" }).tap();
    // Booked, the page loads again as the server now renders it.
    await expect(customer.locator(".title-row .badge")).toHaveText("Mechanic booked");
    await hydrated(customer);
    await live(customer);
    await expect(customer.locator(".payment")).toContainText("Payment authorized");
    await expect(customer.locator(".payment")).toContainText("£60.00 is held on Visa •••• 4242");
    await expectNoViolation(customer, refused, "the card form and the booking");
    await snap(customer, info, "payments-2-customer-authorized");

    // Dan sees it held; on the way, arrived, started (through the API), then
    // he finishes on his phone, taking less than was held, with a reason.
    const mechanic = await (await browser.newContext(PHONE)).newPage();
    await logIn(mechanic, "dan@demo.curbside.test");
    await expect(mechanic).toHaveURL(/\/mechanic$/);
    for (const status of ["en_route", "arrived", "in_progress"]) {
      const r = await request.post(`${BASE}/api/update_job_status`, { headers: { Authorization: `Bearer ${dan}` }, form: { id: job, status } });
      expect(r.status(), await r.text()).toBe(200);
    }
    await mechanic.goto(`${BASE}/mechanic/jobs/${job}`);
    await hydrated(mechanic);
    await expect(mechanic.locator(".payment")).toContainText("Payment authorized");
    await mechanic.getByText("Take less than £60.00").tap();
    await mechanic.getByLabel("Final amount (£)").fill("52.50");
    await mechanic.getByLabel("Why is it less?").fill("The old battery's clamp was reusable.");
    await snap(mechanic, info, "payments-3-mechanic-completes-for-less");
    await mechanic.getByRole("button", { name: "Mark complete" }).tap();
    await expect(mechanic.locator(".title-row .badge")).toHaveText("Completed");
    await expect(mechanic.locator(".payment")).toContainText("Paid");

    // The customer's page follows live: the itemised receipt.
    const receipt = customer.locator(".receipt");
    await expect(receipt).toBeVisible();
    await expect(receipt).toContainText("Test and replace battery");
    await expect(receipt).toContainText("The old battery's clamp was reusable.");
    await expect(receipt.locator("tfoot")).toContainText("Total paid£52.50");
    await expect(receipt).toContainText("Paid with Visa •••• 4242");
    await expectNoHorizontalScroll(customer);
    await snap(customer, info, "payments-4-customer-receipt");

    // The admin, at a desk: the payments list, the payment's history, a part refund.
    const admin = await (await browser.newContext(DESKTOP)).newPage();
    await logIn(admin, "admin@demo.curbside.test");
    await expect(admin).toHaveURL(/\/admin$/);
    await admin.goto(`${BASE}/admin/payments?status=captured`);
    await hydrated(admin);
    const row = admin.locator("tbody tr", { hasText: "Tom Becker" });
    await expect(row).toContainText("Paid");
    await expect(row).toContainText("Okafor Mobile Auto");
    await row.getByRole("link", { name: "£52.50" }).click();
    await expect(admin.getByRole("heading", { name: "History" })).toBeVisible();
    await hydrated(admin);
    await expect(admin.locator("tbody")).toContainText("authorized");
    await expect(admin.locator("tbody")).toContainText("captured");
    await admin.getByLabel("Amount (£)").fill("5.00");
    await admin.getByLabel("Reason").fill("Arrived 40 minutes late");
    await admin.getByRole("button", { name: "Refund" }).click();
    await expect(admin.locator(".title-row")).toContainText("Paid, partly refunded");
    await expect(admin.locator("tbody")).toContainText("Arrived 40 minutes late");
    await expect(admin.getByLabel("Amount (£)")).toHaveValue("");
    await snap(admin, info, "payments-5-admin-refund");
    // The customer's receipt shows it.
    await expect(customer.locator(".receipt")).toContainText("Refunded−£5.00");
  } finally {
    await stopServer(server);
  }
});
