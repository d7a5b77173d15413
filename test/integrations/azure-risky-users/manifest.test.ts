import assert from "node:assert/strict";
import { test } from "node:test";
import { CLOUDS } from "../../../src/clouds/registry.ts";
import { apiBase, scopesFor } from "../../../src/clouds/resources.ts";
import { EntrakitError } from "../../../src/errors.ts";
import { appendClause, buildFilter } from "../../../src/integrations/azure-risky-users/filter.ts";
import { azureRiskyUsersModule } from "../../../src/integrations/azure-risky-users/index.ts";
import { alternatePageLink } from "../../../src/integrations/paging.ts";
import { findIntegration } from "../../../src/integrations/registry.ts";
import {
  allCommands,
  authCommandName,
  authCommands,
  authMessages,
  deviceCodeRefusal,
} from "../../../src/runtime/auth-commands.ts";

const { definition, handlers } = azureRiskyUsersModule;

test("§5.10 the filter builder: state then level", () => {
  assert.equal(
    buildFilter({ riskState: "dismissed", riskLevel: "medium" }),
    "riskState eq 'dismissed' and riskLevel eq 'medium'",
  );
});

test("§5.14 single clauses: eq quoted, dates bare, appended with and", () => {
  assert.equal(appendClause("", "riskState", "eq", "dismissed"), "riskState eq 'dismissed'");
  assert.equal(
    appendClause("riskState eq 'dismissed'", "detectedDateTime", "le", "2022-06-09T23:00:44.7420905Z"),
    "riskState eq 'dismissed' and detectedDateTime le 2022-06-09T23:00:44.7420905Z",
  );
  assert.equal(appendClause("x", "riskLevel", "eq", ""), "x");
});

test("all six clauses in the fixed order; quotes in values are doubled; nothing gives an empty filter", () => {
  assert.equal(
    buildFilter({
      updatedAfter: "F",
      updatedBefore: "E",
      detectedAfter: "D",
      detectedBefore: "C",
      riskLevel: "B",
      riskState: "o'hara",
    }),
    "riskState eq 'o''hara' and riskLevel eq 'B' and detectedDateTime le C and detectedDateTime ge D and riskLastUpdatedDateTime le E and riskLastUpdatedDateTime ge F",
  );
  assert.equal(buildFilter({}), "");
});

test("every command of the contract exists with its handler, prefix and key", () => {
  const names = definition.commands.map((c) => c.name);
  assert.deepEqual(names, [
    "azure-risky-users-list",
    "azure-risky-user-get",
    "azure-risky-users-risk-detections-list",
    "azure-risky-users-risk-detection-get",
    "azure-risky-user-history-list",
    "azure-risky-users-confirm-compromise",
    "azure-risky-users-confirm-safe",
    "azure-risky-users-dismiss",
  ]);
  for (const name of names) assert.equal(typeof handlers[name], "function", name);
  assert.deepEqual(Object.keys(handlers).sort(), [...names].sort());
  const list = definition.commands[0]!;
  assert.deepEqual(
    list.args.map((a) => [a.name, a.default ?? null]),
    [
      ["risk_state", null],
      ["limit", "50"],
      ["page", null],
      ["page_size", null],
      ["next_token", null],
      ["risk_level", null],
      ["order_by", "riskLastUpdatedDateTime desc"],
      ["updated_before", null],
      ["updated_after", null],
    ],
  );
  assert.deepEqual(
    list.outputs.map((o) => [o.prefix, o.key ?? null, o.paths.map((p) => p.path)]),
    [
      [
        "AzureRiskyUsers.RiskyUser",
        "id",
        [
          "id",
          "userDisplayName",
          "userPrincipalName",
          "riskLevel",
          "riskState",
          "riskLastUpdatedDateTime",
          "isDeleted",
          "isProcessing",
          "riskDetail",
        ],
      ],
      ["AzureRiskyUsers", null, ["RiskyUserListNextToken"]],
    ],
  );
  const detections = definition.commands[2]!;
  assert.equal(detections.outputs[0]!.paths.length, 20);
  assert.deepEqual(
    detections.args.map((a) => [a.name, a.default ?? null]),
    [
      ["limit", "50"],
      ["page", "1"],
      ["risk_state", null],
      ["risk_level", null],
      ["detected_date_time_before", null],
      ["detected_date_time_after", null],
      ["order_by", "detectedDateTime desc"],
    ],
  );
  assert.ok(
    definition.commands.every((c) => c.permission && c.licence),
    "403 messages need both",
  );
});

test("the auth commands and their texts come from the profile", () => {
  assert.deepEqual(
    authCommands(definition).map((c) => [c.name, c.description]),
    [
      [
        "azure-risky-users-auth-start",
        "Starts the authorization process. Follow the instructions in the command results.",
      ],
      [
        "azure-risky-users-auth-complete",
        "Completes the authorization process. Run this command after executing the azure-risky-users-auth-start command.",
      ],
      ["azure-risky-users-auth-test", "Tests the connectivity to Azure."],
      [
        "azure-risky-users-auth-reset",
        "Run this command if for some reason you need to rerun the authentication process.",
      ],
    ],
  );
  assert.equal(allCommands(definition).length, 12);
  assert.deepEqual(authMessages(definition), {
    testSuccess: "Success!",
    completeSuccess: "Authorization completed successfully.",
    reset:
      "Authorization was reset successfully. Run **!azure-risky-users-auth-start** to start the authentication process.",
  });
  assert.equal(
    deviceCodeRefusal(definition),
    "When using device code flow configuration, please enable the integration and run the `azure-risky-users-auth-start` command. Follow the instructions that will be printed as the output of the command.\n You can validate the connection by running `!azure-risky-users-auth-test`.\n",
  );
  assert.equal(authCommandName(definition.prefix, "complete"), "azure-risky-users-auth-complete");
});

test("the parameters keep the reference's names, labels and aliases", () => {
  const byName = new Map(definition.params.map((p) => [p.name, p]));
  assert.deepEqual(byName.get("authentication_type")!.options, [
    "Client Credentials",
    "Device Code",
    "Azure Managed Identities",
  ]);
  assert.equal(byName.get("authentication_type")!.default, "Device Code");
  assert.equal(byName.get("proxy")!.display, "Use system proxy settings");
  assert.equal(byName.get("insecure")!.display, "Trust any certificate (not secure)");
  assert.ok(byName.get("client_id")!.aliases!.includes("ID"));
  assert.ok(byName.get("tenant_id")!.aliases!.includes("Token"));
  assert.ok(byName.get("client_secret")!.aliases!.includes("Key"));
  assert.equal(byName.get("client_secret")!.type, "secret");
  for (const name of [
    "self_deployed",
    "azure_cloud",
    "use_managed_identities",
    "managed_identities_client_id",
  ]) {
    assert.ok(byName.has(name), name);
  }
});

test("the registry finds the integration by id or prefix and names the known ones otherwise", () => {
  assert.equal(findIntegration("AzureRiskyUsers"), azureRiskyUsersModule);
  assert.equal(findIntegration("azure-risky-users"), azureRiskyUsersModule);
  assert.throws(
    () => findIntegration("nope"),
    (error: unknown) =>
      error instanceof EntrakitError &&
      error.toLine() ===
        'Unknown integration "nope". Run `entrakit integrations` to list them; give an id such as azure-key-vault.',
  );
});

test("alternatePageLink changes only the $top digits", () => {
  assert.equal(
    alternatePageLink("https://g/v1.0/x?$top=2&$skiptoken=a%2Bb"),
    "https://g/v1.0/x?$top=3&$skiptoken=a%2Bb",
  );
  assert.equal(
    alternatePageLink("https://g/v1.0/x?$skiptoken=z&%24top=500"),
    "https://g/v1.0/x?$skiptoken=z&%24top=499",
  );
  assert.equal(alternatePageLink("https://g/v1.0/x?$skiptoken=z"), undefined);
});

test("the auth profile resolves scopes and hosts per cloud, and leaves out China", () => {
  const { auth } = definition;
  assert.deepEqual(scopesFor(CLOUDS.com, auth.resource!.family, auth.delegatedPermissions), [
    "https://graph.microsoft.com/IdentityRiskyUser.Read.All",
    "https://graph.microsoft.com/IdentityRiskEvent.ReadWrite.All",
    "https://graph.microsoft.com/IdentityRiskyUser.ReadWrite.All",
  ]);
  assert.equal(
    `${apiBase(CLOUDS["gcc-high"], auth.resource!.family)}${auth.resource!.basePath}`,
    "https://graph.microsoft.us/v1.0",
  );
  assert.ok(!auth.clouds.includes("cn"));
  // The seed row's flows, then the certificate entrakit adds (the profile's extraFlows).
  assert.deepEqual(auth.flows, [
    "vendor_app",
    "client_credentials_secret",
    "device_code",
    "managed_identity",
    "client_credentials_certificate",
  ]);
});
