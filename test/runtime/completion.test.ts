import assert from "node:assert/strict";
import { test } from "node:test";
import { azureRiskyUsers } from "../../src/integrations/azure-risky-users/manifest.ts";
import { allCommands } from "../../src/runtime/auth-commands.ts";
import { closeMatches, complete } from "../../src/runtime/completion.ts";

const commands = allCommands(azureRiskyUsers);
const source = { commands, builtins: ["help", "context", "exit", "quit"], instances: ["risky", "risky-dc"] };

test("command names after !, built-ins included, with or without the !", () => {
  assert.deepEqual(complete("!azure-risky-users-risk", source), [
    "!azure-risky-users-risk-detections-list",
    "!azure-risky-users-risk-detection-get",
  ]);
  assert.deepEqual(complete("!he", source), ["!help"]);
  assert.deepEqual(complete("azure-risky-users-auth-r", source), ["!azure-risky-users-auth-reset"]);
  const all = complete("!", source);
  assert.equal(all.length, 4 + commands.length);
  assert.ok(all.includes("!azure-risky-users-auth-start"), "auth commands are completed too");
  assert.deepEqual(complete("!zzz", source), []);
});

test("!help completes a command name, once", () => {
  assert.deepEqual(complete("!help azure-risky-user-h", source), ["azure-risky-user-history-list"]);
  assert.deepEqual(complete("!help azure-risky-user-get x", source), []);
  assert.deepEqual(complete("!help azure-risky-user-h", { commands }), [], "help is not a built-in here");
});

test("!context completes using= and instance names", () => {
  assert.deepEqual(complete("!context us", source), ["using="]);
  assert.deepEqual(complete("!context using=risky-", source), ["using=risky-dc"]);
  assert.deepEqual(complete("!context AzureRiskyUsers.RiskyUser.id using=r", source), [
    "using=risky",
    "using=risky-dc",
  ]);
  assert.deepEqual(complete("!context using=risky us", source), []);
  assert.deepEqual(complete("!context ", source), [], "paths are not completed");
});

test("argument names not already given, using= among them", () => {
  assert.deepEqual(complete("!azure-risky-users-list risk_", source), ["risk_state=", "risk_level="]);
  assert.deepEqual(complete("!azure-risky-users-list risk_level=high risk_", source), ["risk_state="]);
  assert.deepEqual(complete("!azure-risky-users-list us", source), ["using="]);
  assert.deepEqual(complete("!azure-risky-users-list using=risky us", source), []);
  const names = complete("!azure-risky-users-list ", source);
  assert.ok(names.includes("limit=") && names.includes("using="));
  assert.equal(names.includes("page="), false, "hidden arguments are not offered");
  assert.deepEqual(complete("!nope x", source), []);
});

test("predefined values after name=, quoted when they hold a blank; instances after using=", () => {
  assert.deepEqual(complete("!azure-risky-users-list risk_level=", source), [
    "risk_level=low",
    "risk_level=medium",
    "risk_level=high",
  ]);
  assert.deepEqual(complete("!azure-risky-users-list order_by=riskLast", source), [
    'order_by="riskLastUpdatedDateTime desc"',
    'order_by="riskLastUpdatedDateTime asc"',
  ]);
  assert.deepEqual(complete('!azure-risky-users-list order_by="riskLastUpdatedDateTime a', source), [
    'order_by="riskLastUpdatedDateTime asc"',
  ]);
  assert.deepEqual(complete("!azure-risky-users-list using=", source), ["using=risky", "using=risky-dc"]);
  assert.deepEqual(complete("!azure-risky-users-list using=risky-", source), ["using=risky-dc"]);
  assert.deepEqual(complete("!azure-risky-users-list limit=", source), [], "free values have no list");
});

test("close matches: prefixes and substrings first, then a few edits away, at most three", () => {
  const names = commands.map((c) => c.name);
  assert.deepEqual(closeMatches("azure-risky-users-lst", names), ["azure-risky-users-list"]);
  assert.deepEqual(closeMatches("hlep", ["help", "context", "exit", "quit"]), ["help"]);
  assert.deepEqual(closeMatches("azure-risky-users-auth", names), [
    "azure-risky-users-auth-complete",
    "azure-risky-users-auth-reset",
    "azure-risky-users-auth-start",
  ]);
  assert.deepEqual(closeMatches("detection-get", names), ["azure-risky-users-risk-detection-get"]);
  assert.deepEqual(closeMatches("completely-different", names), []);
  assert.deepEqual(closeMatches("", names), []);
});
