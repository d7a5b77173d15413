import assert from "node:assert/strict";
import { test } from "node:test";
import { DEV_APP } from "../../src/emulator/well-known.ts";
import { formatHistory, HISTORY_LIMIT, keepInHistory, parseHistory } from "../../src/runtime/history.ts";

test("ordinary lines are kept: GUIDs, dates, quoted values, next-page tokens by name", () => {
  for (const line of [
    "!azure-risky-users-list risk_level=high limit=10",
    "!azure-risky-user-get id=9b4f1e6a-3c8d-4a27-b5e0-6d2c8f1a4e93 using=contoso-prod",
    '!azure-risky-users-list updated_after="3 days ago" order_by="riskLastUpdatedDateTime asc"',
    "!azure-risky-users-list next_token=https://graph.microsoft.com/v1.0/identityProtection/riskyUsers?$skip=20",
    "!help azure-risky-users-list",
  ]) {
    assert.equal(keepInHistory(line), true, line);
  }
});

test("lines that look like they carry a secret are left out", () => {
  for (const line of [
    `!x client_secret=${DEV_APP.secret}`,
    "!x password=hunter2",
    "!x Key=abc",
    "!x api_key=abc",
    "!x private_key=abc",
    "!x token=abc",
    "!x refresh_token=abc",
    "!x code=abc",
    "!x client_assertion=abc",
    "!x header=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    '!x value="-----BEGIN PRIVATE KEY-----"',
    '!x header="Bearer abc"',
    "!x value=Abc8Q~aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "!x value=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpL",
    "!x next_token=https://graph.microsoft.com/v1.0/riskyUsers?$skiptoken=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdI",
    "",
    "   ",
  ]) {
    assert.equal(keepInHistory(line), false, line);
  }
});

test("the file: oldest first, newest first for readline, bounded, secret lines dropped on load", () => {
  assert.deepEqual(parseHistory("!a\n!b\n\n!x password=p\n!c\n"), ["!c", "!b", "!a"]);
  assert.equal(formatHistory(["!c", "!b", "!x token=t", "!a"]), "!a\n!b\n!c\n");
  assert.equal(formatHistory([]), "");
  const many = Array.from({ length: HISTORY_LIMIT + 5 }, (_, i) => `!line${i}`);
  const loaded = parseHistory(`${many.join("\n")}\n`);
  assert.equal(loaded.length, HISTORY_LIMIT);
  assert.equal(loaded[0], `!line${HISTORY_LIMIT + 4}`);
  assert.equal(loaded.at(-1), "!line5");
  const written = formatHistory([...many].reverse())
    .trimEnd()
    .split("\n");
  assert.equal(written.length, HISTORY_LIMIT);
  assert.equal(written[0], "!line5");
});
