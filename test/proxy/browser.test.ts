/**
 * The consent journeys in a real browser: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), one browser for the whole file. Application (admin consent) and delegated
 * (sign-in + consent with PKCE and state) journeys end with ID, Token and Key that work; a declined
 * consent and a tampered `state` end on error pages with no registration. Every page is saved as a
 * screenshot under test-artifacts/proxy/.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { OAuthProxyCredential } from "../../src/auth/oauth-proxy.ts";
import { DEV_ADMIN, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { openStore } from "../../src/store/index.ts";
import {
  APPLICATION_APP,
  DELEGATED_APP,
  GRAPH,
  READ_RISKY_USERS,
  type Stack,
  startStack,
} from "./support.ts";

const CHROMIUM = process.env.ENTRAKIT_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "../../test-artifacts/proxy");
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: run \`npx node scripts/ensure-chromium.ts\` (as root) first`;
if (skip && process.env.CI === "true") throw new Error(`Chromium is required under CI=true: ${skip}`);

let stack: Stack;
let context: BrowserContext;
let userDataDir = "";
/** Every URL the browser asked for: the pages must load nothing from anywhere else. */
const requested: string[] = [];

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function signIn(page: Page): Promise<void> {
  await page.fill("#login", DEV_ADMIN.userPrincipalName);
  await page.fill("#passwd", DEV_ADMIN.password);
  await page.click('button[value="signin"]');
  await page.waitForSelector('button[value="accept"]');
}

/** The second sign-in of an application consent, at the consenting tenant. */
async function confirmSignIn(page: Page): Promise<void> {
  await page.fill("#login", DEV_ADMIN.userPrincipalName);
  await page.fill("#passwd", DEV_ADMIN.password);
  await page.click('button[value="signin"]');
  if (await page.locator('button[value="accept"]').count()) await page.click('button[value="accept"]');
}

/** Consent page → Start → emulator sign-in; leaves the browser on the emulator's consent prompt. */
async function startJourney(page: Page, appName: string, prefix: string): Promise<void> {
  await page.goto(`${stack.proxy.url}/consent/${appName}`);
  await shot(page, `${prefix}-1-consent-page`);
  await page.getByRole("button", { name: "Start Authorization Process" }).click();
  await page.waitForSelector("#passwd");
  await shot(page, `${prefix}-2-microsoft-sign-in`);
  await signIn(page);
  await shot(page, `${prefix}-3-microsoft-consent`);
}

async function values(page: Page): Promise<{ id: string; token: string; key: string; command: string }> {
  const text = async (id: string) => (await page.locator(`#${id}`).textContent())?.trim() ?? "";
  return {
    id: await text("value-id"),
    token: await text("value-token"),
    key: await text("value-key"),
    command: await text("value-command"),
  };
}

async function graphStatus(token: string): Promise<number> {
  const response = await fetch(`${stack.emulator.url}/v1.0/identityProtection/riskyUsers?$top=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

describe("consent journeys in Chromium", { skip }, () => {
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startStack();
    userDataDir = mkdtempSync(join(tmpdir(), "entrakit-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1000, height: 900 },
    });
    context.setDefaultTimeout(10_000);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.proxy.url });
    context.on("request", (request) => requested.push(request.url()));
  });

  after(async () => {
    await context?.close();
    await stack?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  test("application: consent page → admin consent → result page → the triple gets Graph tokens", async () => {
    const page = await context.newPage();
    await startJourney(page, APPLICATION_APP.name, "application");
    await page.click('button[value="accept"]');
    // The proxy then signs the admin in to the consenting tenant (its answer's tenant is unsigned).
    await page.waitForSelector("#passwd");
    assert.match(page.url(), new RegExp(`/${DEV_TENANT.id}/oauth2/v2.0/authorize`));
    await shot(page, "application-4-confirm-tenant-sign-in");
    await confirmSignIn(page);
    await page.waitForSelector("#value-key");
    await shot(page, "application-5-result-page");

    assert.equal(await page.locator("html").getAttribute("lang"), "en");
    assert.match((await page.locator("h1").textContent()) ?? "", /is authorized/);
    assert.match((await page.getByRole("alert").textContent()) ?? "", /shown once/);
    const triple = await values(page);
    assert.equal(triple.token, DEV_TENANT.id);
    assert.match(triple.id, new RegExp(`@${stack.proxy.url.replaceAll(".", "\\.")}/obtain-token$`));
    assert.match(triple.command, /^entrakit instance add /);

    // The copy button puts exactly the Key on the clipboard (the inline script runs under the CSP).
    await page.getByRole("button", { name: "Copy Key" }).click();
    await page.getByRole("button", { name: "Copy Key" }).filter({ hasText: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), triple.key);

    const credential = new OAuthProxyCredential({
      ...triple,
      appName: APPLICATION_APP.name,
      resource: GRAPH,
    });
    assert.equal(await graphStatus((await credential.getToken()).token), 200);

    // Reloading the result page does not show the values again: the state was single use.
    await page.reload();
    assert.match((await page.locator("h1").textContent()) ?? "", /not valid/);
    assert.equal(await page.locator("#value-key").count(), 0);
    await page.close();
  });

  test("delegated: sign-in + consent with PKCE → initial refresh token → tokens that rotate", async () => {
    const page = await context.newPage();
    await startJourney(page, DELEGATED_APP.name, "delegated");
    const authorize = requested.find((url) => url.includes("/organizations/oauth2/v2.0/authorize"));
    assert.ok(authorize, "went to the authorize endpoint");
    const params = new URL(authorize).searchParams;
    assert.equal(params.get("code_challenge_method"), "S256");
    assert.equal(params.get("prompt"), "consent");
    assert.ok(params.get("state") && params.get("code_challenge"));
    assert.equal(params.get("scope"), `offline_access ${GRAPH}/${READ_RISKY_USERS}`);
    await page.click('button[value="accept"]');
    await page.waitForSelector("#value-key");
    await shot(page, "delegated-4-result-page");
    const triple = await values(page);
    assert.notEqual(triple.token, DEV_TENANT.id);

    const store = await openStore("memory:");
    try {
      const credential = new OAuthProxyCredential({
        ...triple,
        appName: DELEGATED_APP.name,
        scopes: [`${GRAPH}/${READ_RISKY_USERS}`],
        store,
      });
      assert.equal(await graphStatus((await credential.getToken()).token), 200);
      assert.equal(await graphStatus((await credential.getToken({ forceRefresh: true })).token), 200);
    } finally {
      await store.close();
    }
    await page.close();
  });

  test("declined consent ends on an error page and creates no registration", async () => {
    const before = (await stack.proxy.registrations.list()).length;
    const page = await context.newPage();
    await startJourney(page, APPLICATION_APP.name, "declined");
    await page.click('button[value="cancel"]');
    await page.waitForSelector("h1");
    await shot(page, "declined-4-error-page");
    assert.equal(await page.locator("h1").textContent(), "Consent was declined");
    assert.equal(await page.locator("#value-key").count(), 0);
    assert.equal(
      await page.getByRole("link", { name: "Start again" }).getAttribute("href"),
      `/consent/${APPLICATION_APP.name}`,
    );
    assert.equal((await stack.proxy.registrations.list()).length, before);
    await page.close();
  });

  test("a tampered state is refused; the genuine answer still works once", async () => {
    const page = await context.newPage();
    await startJourney(page, APPLICATION_APP.name, "tampered");
    // Hold back the genuine callback: the emulator's answer to Accept is fetched, its redirect kept.
    let genuine = "";
    await page.route(`${stack.emulator.url}/**`, async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      const response = await route.fetch({ maxRedirects: 0 });
      const location = response.headers().location ?? "";
      if (!location.includes("/callback")) return route.fulfill({ response });
      genuine = new URL(location, route.request().url()).toString();
      return route.fulfill({ status: 200, contentType: "text/plain", body: "held back by the test" });
    });
    await page.click('button[value="accept"]');
    await page.waitForSelector("text=held back by the test");
    assert.ok(genuine, "the emulator redirected to the callback");
    await page.unroute(`${stack.emulator.url}/**`);
    const url = new URL(genuine);
    const state = url.searchParams.get("state")!;
    url.searchParams.set("state", `${state.slice(0, -1)}${state.endsWith("A") ? "B" : "A"}`);
    const before = (await stack.proxy.registrations.list()).length;
    await page.goto(url.toString());
    await shot(page, "tampered-4-error-page");
    assert.equal(await page.locator("h1").textContent(), "This authorization link is not valid");
    assert.equal((await stack.proxy.registrations.list()).length, before);
    await page.goto(genuine);
    await page.waitForSelector("#passwd");
    await confirmSignIn(page);
    await page.waitForSelector("#value-key");
    assert.equal((await stack.proxy.registrations.list()).length, before + 1);
    await page.close();
  });

  test("the pages loaded nothing from outside the proxy and the emulator", () => {
    const origins = new Set(requested.map((url) => new URL(url).origin));
    for (const origin of origins) {
      assert.ok(origin === stack.proxy.url || origin === stack.emulator.url, origin);
    }
  });
});
