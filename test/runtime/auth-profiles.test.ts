/**
 * The 37 auth profiles as runtime integrations: one registry entry per profile, the auth commands each
 * one's flows call for (and nothing else), parameters under the reference's names, unsupported flows
 * refused naming the supported ones, API-host-only endpoint overrides, and the login-URL text.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLOUDS } from "../../src/clouds/registry.ts";
import { EntrakitError } from "../../src/errors.ts";
import { FLOW_NAMES, PROFILES, supportedFlows } from "../../src/integrations/profiles/index.ts";
import { findIntegration, INTEGRATIONS } from "../../src/integrations/registry.ts";
import type { AuthFlow } from "../../src/integrations/types.ts";
import { checkAuthCode, SESSION_STATE_REFUSAL } from "../../src/runtime/auth-code.ts";
import { allCommands, authCommands, loginUrlInstructions } from "../../src/runtime/auth-commands.ts";
import { emulatorEndpoints } from "../../src/runtime/emulator-endpoints.ts";
import { resolveInstance } from "../../src/runtime/instances.ts";
import { routeCommand } from "../../src/runtime/routing.ts";
import { instanceCloud, resourceTarget } from "../../src/runtime/targets.ts";

function failure(run: () => unknown): EntrakitError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EntrakitError, String(error));
    assert.ok(!error.toLine().includes("\n"));
    return error;
  }
  assert.fail("expected an error");
}

test("every profile is one integration of the registry, in the seed's order, found by profile id", () => {
  assert.equal(INTEGRATIONS.length, 37);
  assert.deepEqual(
    INTEGRATIONS.map((module) => module.definition.profile.id),
    PROFILES.map((profile) => profile.id),
  );
  for (const profile of PROFILES) {
    const { definition } = findIntegration(profile.id);
    assert.equal(definition.profile, profile);
    assert.equal(definition.prefix, profile.prefix);
    assert.deepEqual(definition.auth.flows, supportedFlows(profile));
  }
  assert.equal(findIntegration("Azure Risky Users").definition.id, "AzureRiskyUsers");
  assert.match(failure(() => findIntegration("msgraph-mail")).toLine(), /o365-outlook-mail/);
});

test("the auth commands are exactly what each integration's flows call for, for all 37", () => {
  const expected = (flows: readonly AuthFlow[]) => {
    const kinds: string[] = [];
    if (flows.includes("device_code")) kinds.push("start", "complete");
    if (flows.includes("authorization_code")) kinds.push("generate-login-url");
    if (flows.includes("device_code") || flows.includes("authorization_code")) kinds.push("test");
    if (flows.some((flow) => flow !== "managed_identity")) kinds.push("reset");
    return kinds;
  };
  for (const { definition } of INTEGRATIONS) {
    const commands = authCommands(definition);
    assert.deepEqual(
      commands.map((command) => command.action),
      expected(definition.auth.flows),
      definition.profile.id,
    );
    for (const command of commands) {
      const named = definition.profile.commandNames;
      const kind = command.action === "generate-login-url" ? "loginUrl" : command.action;
      const standard =
        command.action === "generate-login-url"
          ? `${definition.prefix}-generate-login-url`
          : `${definition.prefix}-auth-${command.action}`;
      assert.equal(command.name, named?.[kind] ?? standard, definition.profile.id);
    }
  }
  assert.deepEqual(
    authCommands(findIntegration("microsoft-graph-security").definition).map((c) => c.name),
    ["msg-generate-login-url", "msg-auth-test", "ms-graph-security-auth-reset"],
  );
  assert.deepEqual(authCommands(findIntegration("azure-storage-fileshare").definition), []);
});

test("a command whose prefix is shared runs on the instance given, or the only one that can run it", () => {
  const single = { name: "single", integration: "microsoft-graph-mail-single-user" };
  const outlook = { name: "outlook", integration: "o365-outlook-mail" };
  const routed = routeCommand(INTEGRATIONS, [single, outlook], "msgraph-mail-auth-reset", "outlook");
  assert.equal(routed.module.definition.id, "o365-outlook-mail");
  assert.equal(routeCommand(INTEGRATIONS, [outlook], "msgraph-mail-auth-reset").instance, outlook);
  // Only the single-user integration has an auth-test (it signs in with an authorization code).
  assert.equal(routeCommand(INTEGRATIONS, [single, outlook], "msgraph-mail-test").instance, single);
  assert.equal(
    failure(() => routeCommand(INTEGRATIONS, [single, outlook], "msgraph-mail-auth-reset")).toLine(),
    "!msgraph-mail-auth-reset belongs to microsoft-graph-mail-single-user, o365-outlook-mail; 2 instances could run it: single, outlook. Add using=NAME to the command, e.g. using=single.",
  );
  assert.match(
    failure(() => routeCommand(INTEGRATIONS, [], "msgraph-mail-auth-reset")).toLine(),
    /there is no instance of them\. Add one with: entrakit instance add NAME --integration microsoft-graph-mail-single-user\./,
  );
});

test("the reference's parameter names and aliases set the canonical parameters", () => {
  const instance = resolveInstance({
    name: "ks",
    integration: "azure-kubernetes-services",
    params: {
      app_id: "app",
      tenant_id: "tenant",
      credentials: "secret",
      auth_type: "Authorization Code",
      subscription_id: "sub",
    },
  });
  assert.deepEqual(
    [instance.params.client_id, instance.params.client_secret, instance.params.authentication_type],
    ["app", "secret", "Authorization Code"],
  );
  const vendor = resolveInstance({
    name: "vm",
    integration: "azure-compute-v2",
    params: { ID: "registration", Token: "tenant", Key: "key", self_deployed: "false" },
  });
  assert.deepEqual([vendor.params.client_id, vendor.params.tenant_id], ["registration", "tenant"]);
  assert.match(
    failure(() =>
      resolveInstance({ name: "x", integration: "azure-firewall", params: { nope: "1" } }),
    ).toLine(),
    /Azure Firewall has no parameter "nope"\. Valid parameters: authentication_type, client_id/,
  );
});

test("a flow the integration does not support is refused naming the ones it does", () => {
  const refusal = (integration: string, params: Record<string, string>) =>
    failure(() => resolveInstance({ name: "x", integration, params })).toLine();
  assert.equal(
    refusal("azure-key-vault", { authentication_type: "Device Code", client_id: "c" }),
    `Azure Key Vault does not support Device Code. Use one of: ${[
      "client_credentials_secret",
      "client_credentials_certificate",
      "managed_identity",
    ]
      .map((flow) => FLOW_NAMES[flow as AuthFlow])
      .join(", ")}.`,
  );
  assert.match(
    refusal("azure-risky-users", { authentication_type: "Authorization Code" }),
    /^Azure Risky Users does not support Authorization Code\. Use one of: XSOAR Application \(vendor app\), Client Credentials \(client secret\), Device Code, Azure Managed Identities, Client Credentials \(certificate\)\.$/,
  );
  assert.match(
    refusal("microsoft-defender-for-cloud-event-collector", { self_deployed: "false" }),
    /does not support XSOAR Application \(vendor app\)\. Use one of: Client Credentials \(client secret\)\./,
  );
  assert.match(
    refusal("microsoft-teams", { use_managed_identities: "true" }),
    /^Microsoft Teams does not support Azure Managed Identities\./,
  );
  assert.match(refusal("azure-storage-fileshare", {}), /account SAS token only/);
});

test("an API endpoint override moves the host only; the audience stays the cloud's real resource", () => {
  const endpoints = emulatorEndpoints("http://127.0.0.1:4000");
  assert.equal(endpoints.login, "http://127.0.0.1:4000");
  assert.equal(endpoints.graph, "http://127.0.0.1:4000");
  assert.equal(endpoints.resourceManager, "http://127.0.0.1:4000/management.azure.com");
  assert.equal(endpoints.defenderForEndpoint, "http://127.0.0.1:4000/api.securitycenter.microsoft.com");
  const vault = resolveInstance({
    name: "kv",
    integration: "azure-key-vault",
    params: { client_id: "c", tenant_id: "t", client_secret: "s", azure_cloud: "Custom" },
    endpoints,
  });
  const cloud = instanceCloud(vault);
  assert.equal(cloud.endpoints.login, "http://127.0.0.1:4000");
  assert.equal(cloud.endpoints.resourceManager, CLOUDS.com.endpoints.resourceManager);
  const definition = findIntegration("azure-key-vault").definition;
  assert.deepEqual(resourceTarget(definition, vault, cloud), {
    name: "arm",
    baseUrl: "http://127.0.0.1:4000/management.azure.com",
    audience: { scopes: ["https://management.azure.com/.default"] },
    resource: "https://management.azure.com/",
  });
  // The vault's address comes from a parameter; a whole URL there aims it at the emulator.
  assert.match(
    failure(() => resourceTarget(definition, vault, cloud, 1)).toLine(),
    /needs the vault_name parameter/,
  );
  const named = {
    ...vault,
    params: { ...vault.params, vault_name: "http://127.0.0.1:4000/kv1.vault.azure.net/" },
  };
  assert.deepEqual(resourceTarget(definition, named, cloud, 1), {
    name: "keyVault",
    baseUrl: "http://127.0.0.1:4000/kv1.vault.azure.net",
    audience: { scopes: ["https://vault.azure.net/.default"] },
    resource: "https://vault.azure.net",
  });
  const plain = { ...vault, params: { ...vault.params, vault_name: "kv1" } };
  assert.equal(resourceTarget(definition, plain, cloud, 1).baseUrl, "https://kv1.vault.azure.net");
});

test("generate-login-url prints the reference's seven lines", () => {
  const text = loginUrlInstructions("https://login.example/t/oauth2/v2.0/authorize?x=1");
  assert.deepEqual(text.split("\n"), [
    "### Authorization instructions",
    "1. Click on the [login URL](https://login.example/t/oauth2/v2.0/authorize?x=1) to sign in and grant Cortex XSOAR permissions for your Azure Service Management.",
    "You will be automatically redirected to a link with the following structure:",
    "```REDIRECT_URI?code=AUTH_CODE&session_state=SESSION_STATE```",
    "2. Copy the `AUTH_CODE` (without the `code=` prefix, and the `session_state` parameter)",
    "and paste it in your instance configuration under the **Authorization code** parameter.",
    " ",
  ]);
});

test("auth_code: a code, a redirect URL or refresh_token: pass; a code with session_state glued on is refused", () => {
  assert.equal(checkAuthCode(""), undefined);
  assert.equal(checkAuthCode(" abc "), "abc");
  assert.equal(
    checkAuthCode("https://localhost/myapp?code=abc&session_state=s"),
    "https://localhost/myapp?code=abc&session_state=s",
  );
  assert.equal(checkAuthCode("refresh_token:rt"), "refresh_token:rt");
  assert.equal(failure(() => checkAuthCode("abc&session_state=s")).message, SESSION_STATE_REFUSAL);
});

test("help lists the generated auth commands of an integration without data commands", () => {
  const names = allCommands(findIntegration("azure-firewall").definition).map((command) => command.name);
  assert.deepEqual(names, [
    "azure-firewall-auth-start",
    "azure-firewall-auth-complete",
    "azure-firewall-auth-test",
    "azure-firewall-auth-reset",
  ]);
});
