/**
 * The interactive flows of every integration that runs them, driven by the auth profiles, through the
 * runtime's own auth commands (`runLine`) over a real SQLite store: device code (auth-start, the code typed
 * and approved on the emulator's device login page over HTTP, auth-complete, auth-test) and authorization
 * code (generate-login-url, sign-in on the emulator's pages over HTTP, the redirect URL put in auth_code,
 * auth-test). Each ends with a delegated token whose audience is the profile's first resource (Teams: its delegated one, Graph).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createAuthHttp } from "../../src/auth/transport.ts";
import { DEV_ADMIN } from "../../src/emulator/well-known.ts";
import {
  authCommandName,
  type IntegrationProfile,
  PROFILES,
  supportedFlows,
} from "../../src/integrations/profiles/index.ts";
import { findIntegration } from "../../src/integrations/registry.ts";
import type { AuthFlow } from "../../src/integrations/types.ts";
import { authMessages } from "../../src/runtime/auth-commands.ts";
import { loadInstance, resolveInstance, saveInstance } from "../../src/runtime/instances.ts";
import { runLine, testInstance, wireInstance } from "../../src/runtime/session.ts";
import { signInThroughBrowser } from "../auth/browser.ts";
import { hiddenField, postPage } from "../emulator/identity/helpers.ts";
import { assertAudience, type E2eStack, instanceInput, startE2eStack } from "./support.ts";

let e2e: E2eStack;
before(async () => {
  e2e = await startE2eStack();
});
after(() => e2e?.close());

/** Runs one War Room line and returns its readable text. */
async function run(line: string): Promise<string> {
  const outcome = await runLine(line, { store: e2e.store });
  return outcome.results.map((result) => result.readable ?? "").join("\n");
}

async function delegatedToken(profile: IntegrationProfile, name: string, flow: AuthFlow): Promise<string> {
  const wired = wireInstance(findIntegration(profile.id), await loadInstance(e2e.store, name), {
    store: e2e.store,
  });
  try {
    assert.equal(wired.flow, flow);
    return (await wired.cached.getToken(wired.target.audience)).token;
  } finally {
    await wired.cached.cache.idle();
    await wired.http.close();
  }
}

/** Types the user code, signs in as the dev admin and approves, as a person would in a browser. */
async function approve(verificationUri: string, userCode: string): Promise<string> {
  const signIn = await postPage(verificationUri, { otc: userCode, action: "code" });
  assert.match(signIn.html, /name="passwd"/);
  let page = await postPage(verificationUri, {
    interaction: hiddenField(signIn.html, "interaction"),
    login: DEV_ADMIN.userPrincipalName,
    passwd: DEV_ADMIN.password,
    action: "signin",
  });
  for (let step = 0; step < 3 && /name="interaction"/.test(page.html); step++) {
    page = await postPage(verificationUri, {
      interaction: hiddenField(page.html, "interaction"),
      action: "accept",
    });
  }
  return page.html;
}

const rows = (flow: AuthFlow) => PROFILES.filter((profile) => supportedFlows(profile).includes(flow));

const DEVICE_CODE = rows("device_code");
describe(`device_code: ${DEVICE_CODE.length} integrations`, { concurrency: true }, () => {
  for (const profile of DEVICE_CODE) {
    it(profile.id, async () => {
      const definition = findIntegration(profile.id).definition;
      const name = `dc.${profile.id}`.slice(0, 64);
      const using = `using=${name}`;
      await saveInstance(e2e.store, resolveInstance(instanceInput(name, definition, "device_code", e2e)));
      const messages = authMessages(definition);

      await assert.rejects(testInstance(name, { store: e2e.store }), { code: "authentication_required" });
      const started = await run(`!${authCommandName(profile, "start")} ${using}`);
      const userCode = /enter the code \*\*([A-Z0-9-]+)\*\*/.exec(started)?.[1];
      const page = /open the page \[([^\]]+)\]/.exec(started)?.[1];
      assert.ok(userCode && page, started);
      assert.ok(started.includes(`!${authCommandName(profile, "complete")}`), started);
      assert.match(await approve(page, userCode), /You have signed in/);
      // Entra asks pollers to keep their interval; let it pass on the emulator's clock.
      e2e.stack.emulator.admin.advanceClock(10_000);
      assert.equal(await run(`!${authCommandName(profile, "complete")} ${using}`), messages.completeSuccess);

      assert.equal(await run(`!${authCommandName(profile, "test")} ${using}`), messages.testSuccess);
      assert.equal(await testInstance(name, { store: e2e.store }), messages.testSuccess);
      assertAudience(
        e2e.stack.emulator,
        profile,
        await delegatedToken(profile, name, "device_code"),
        profile.delegatedResource,
      );
    });
  }
});

const AUTH_CODE = rows("authorization_code");
describe(`authorization_code: ${AUTH_CODE.length} integrations`, { concurrency: true }, () => {
  for (const profile of AUTH_CODE) {
    it(profile.id, async () => {
      const definition = findIntegration(profile.id).definition;
      const name = `ac.${profile.id}`.slice(0, 64);
      const using = `using=${name}`;
      const input = instanceInput(name, definition, "authorization_code", e2e);
      await saveInstance(e2e.store, resolveInstance(input));

      const instructions = await run(`!${authCommandName(profile, "loginUrl")} ${using}`);
      const url = /\[login URL\]\((\S+)\)/.exec(instructions)?.[1];
      assert.ok(url, instructions);
      assert.ok(url.startsWith(`${e2e.emuUrl}/`), url);
      const redirect = await signInThroughBrowser(createAuthHttp(), url, {
        login: DEV_ADMIN.userPrincipalName,
        password: DEV_ADMIN.password,
      });
      assert.ok(redirect.includes("code="), "the sign-in redirected back with a code");
      await saveInstance(
        e2e.store,
        resolveInstance({ ...input, params: { ...input.params, auth_code: redirect } }),
        { replace: true },
      );

      assert.equal(
        await run(`!${authCommandName(profile, "test")} ${using}`),
        authMessages(definition).testSuccess,
      );
      assertAudience(
        e2e.stack.emulator,
        profile,
        await delegatedToken(profile, name, "authorization_code"),
        profile.delegatedResource,
      );
    });
  }
});
