import assert from "node:assert/strict";
import { test } from "node:test";
import { EntrakitError } from "../../src/errors.ts";
import { azureRiskyUsers } from "../../src/integrations/azure-risky-users/manifest.ts";
import type { CommandSpec } from "../../src/integrations/types.ts";
import { validateArguments } from "../../src/runtime/arguments.ts";
import { formatODataDate } from "../../src/runtime/dates.ts";

const NOW = Date.UTC(2026, 0, 15, 8, 0, 0);
const now = () => NOW;

const command = (name: string): CommandSpec => {
  const found = azureRiskyUsers.commands.find((c) => c.name === name);
  assert.ok(found, name);
  return found;
};
const LIST = command("azure-risky-users-list");

function rejects(spec: CommandSpec, raw: Record<string, string>): string {
  try {
    validateArguments(spec, raw, now);
  } catch (error) {
    assert.ok(error instanceof EntrakitError, String(error));
    assert.equal(error.code, "usage");
    const line = error.toLine();
    assert.ok(!line.includes("\n"), "one line");
    return line;
  }
  assert.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}

test("defaults apply and values are typed", () => {
  const args = validateArguments(LIST, { risk_level: "high", updated_after: "2 hours" }, now);
  assert.equal(args.integer("limit"), 50);
  assert.equal(args.string("order_by"), "riskLastUpdatedDateTime desc");
  assert.equal(args.string("risk_level"), "high");
  assert.equal(formatODataDate(args.date("updated_after")!), "2026-01-15T06:00:00.0000000Z");
  assert.equal(args.has("page_size"), false);
  assert.equal(args.raw.limit, "50");
});

test("an empty value counts as absent, so the default applies", () => {
  const args = validateArguments(LIST, { limit: "", risk_state: "" }, now);
  assert.equal(args.integer("limit"), 50);
  assert.equal(args.string("risk_state"), undefined);
});

test("unknown arguments name the valid ones and suggest the closest", () => {
  const line = rejects(LIST, { risk_levle: "high" });
  assert.match(line, /Unknown argument "risk_levle" for !azure-risky-users-list/);
  assert.match(line, /Did you mean risk_level\?/);
  assert.match(line, /Valid arguments: risk_state, limit, page_size, next_token, risk_level, order_by/);
  assert.ok(!line.includes(" page,"), "hidden arguments are not advertised");
});

test("missing required arguments say what to add", () => {
  assert.match(
    rejects(command("azure-risky-user-get"), {}),
    /Missing required argument "id" for !azure-risky-user-get\. Add id=<value> \(Risky user ID to retrieve\)\./,
  );
});

test("predefined values: the valid choices are listed, with a case hint", () => {
  assert.match(
    rejects(LIST, { risk_level: "severe" }),
    /Invalid value "severe" for risk_level\. Valid values: low, medium, high\./,
  );
  assert.match(rejects(LIST, { risk_state: "ATRISK" }), /Did you mean atRisk\?/);
  // confirmedSafe is offered on detections but not on the users list, as in the reference.
  assert.match(
    rejects(LIST, { risk_state: "confirmedSafe" }),
    /atRisk, confirmedCompromised, remediated, dismissed/,
  );
  const detections = validateArguments(
    command("azure-risky-users-risk-detections-list"),
    { risk_state: "confirmedSafe" },
    now,
  );
  assert.equal(detections.string("risk_state"), "confirmedSafe");
});

test("numbers: not a number, out of range, and the reference's exact page size message", () => {
  assert.match(rejects(LIST, { limit: "ten" }), /limit: "ten" is not a valid number/);
  assert.match(rejects(LIST, { limit: "-1" }), /limit must be between 0 and 100000 \(got -1\)/);
  assert.match(rejects(LIST, { limit: "100001" }), /between 0 and 100000/);
  assert.equal(rejects(LIST, { page_size: "501" }), "Page size must be between 1 and 500.");
  assert.equal(
    rejects(LIST, { page_size: "0", next_token: "https://x" }),
    "Page size must be between 1 and 500.",
  );
  assert.match(
    rejects(command("azure-risky-users-risk-detections-list"), { page: "0" }),
    /page must be at least 1/,
  );
});

test("lists are comma-separated and trimmed; an empty list is an error", () => {
  const confirm = command("azure-risky-users-confirm-compromise");
  assert.deepEqual(validateArguments(confirm, { user_ids: " a, b ,,c " }, now).list("user_ids"), [
    "a",
    "b",
    "c",
  ]);
  assert.match(rejects(confirm, { user_ids: " , " }), /user_ids is empty/);
});

test("booleans accept the usual words", () => {
  const spec: CommandSpec = {
    name: "x",
    description: "",
    effect: "read",
    outputs: [],
    args: [{ name: "flag", description: "A flag.", type: "boolean" }],
  };
  for (const [text, value] of [
    ["true", true],
    ["Yes", true],
    ["1", true],
    ["false", false],
    ["no", false],
    ["0", false],
  ] as const) {
    assert.equal(validateArguments(spec, { flag: text }).boolean("flag"), value, text);
  }
  assert.match(
    rejects(spec, { flag: "maybe" }),
    /flag: "maybe" is not true or false\. Write flag=true or flag=false\./,
  );
});

test("an unparseable date is an error for the argument", () => {
  assert.match(
    rejects(LIST, { updated_before: "last tuesday" }),
    /Cannot read "last tuesday" as a date for updated_before/,
  );
});
