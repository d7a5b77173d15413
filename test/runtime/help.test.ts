import assert from "node:assert/strict";
import { test } from "node:test";
import { azureRiskyUsers } from "../../src/integrations/azure-risky-users/manifest.ts";
import { allCommands } from "../../src/runtime/auth-commands.ts";
import { commandHelp, commandListHelp, integrationsHelp } from "../../src/runtime/help.ts";

const commands = allCommands(azureRiskyUsers);
const byName = (name: string) => commands.find((c) => c.name === name)!;

test("!help lists every command and marks the writes", () => {
  const text = commandListHelp("Azure Risky Users commands", commands);
  assert.ok(text.startsWith("### Azure Risky Users commands\n|Command|Description|\n|---|---|\n"));
  assert.match(text, /\| !azure-risky-users-auth-test \| Tests the connectivity to Azure\. \|/);
  assert.match(text, /\| !azure-risky-users-dismiss \| .* \(changes the tenant\) \|/);
  assert.equal(text.trimEnd().split("\n").length, 3 + commands.length);
});

test("!help <command> shows arguments with defaults and values, and the context paths", () => {
  const text = commandHelp(byName("azure-risky-users-list"));
  assert.match(
    text,
    /^### !azure-risky-users-list\nReturns a list of all risky users and their properties\.\nNeeds IdentityRiskyUser\.Read\.All and Microsoft Entra ID P2\.\n/,
  );
  // No argument is required, so the Required column is dropped.
  assert.match(text, /\|Argument\|Default\|Values\|Description\|/);
  assert.match(text, /\| risk_level \| {2}\| low, medium, high \| Risk level to filter by\. \|/);
  assert.match(text, /\| limit \| 50 \| 0-100000 \|/);
  assert.match(text, /\| updated_after \| {2}\| date \|/);
  assert.doesNotMatch(text, /\| page \|/);
  assert.match(text, /Merged into the context: AzureRiskyUsers\.RiskyUser by id\./);
  assert.match(text, /\| AzureRiskyUsers\.RiskyUserListNextToken \| String \|/);
  const get = commandHelp(byName("azure-risky-user-get"));
  assert.match(get, /\| id \| yes \| Risky user ID to retrieve\. \|/, "empty columns are dropped");
  const reset = commandHelp(byName("azure-risky-users-auth-reset"));
  assert.match(reset, /^### !azure-risky-users-auth-reset\nRun this command .*\n\nTakes no arguments\.\n$/);
});

test("!help in the War Room: one table per integration, its auth commands included", () => {
  const text = integrationsHelp([azureRiskyUsers]);
  assert.ok(text.startsWith("### Azure Risky Users commands\n"));
  assert.match(text, /\| !azure-risky-users-auth-reset \| /);
  assert.match(text, /\| !azure-risky-users-list \| /);
  assert.equal(text, commandListHelp("Azure Risky Users commands", commands));
});
