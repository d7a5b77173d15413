import assert from "node:assert/strict";
import { test } from "node:test";
import { EntrakitError } from "../../src/errors.ts";
import { formatCommandLine, parseCommandLine } from "../../src/runtime/command-line.ts";

function usageError(line: string): string {
  try {
    parseCommandLine(line);
  } catch (error) {
    assert.ok(error instanceof EntrakitError);
    assert.equal(error.code, "usage");
    assert.ok(!error.toLine().includes("\n"), "errors are one line");
    return error.toLine();
  }
  assert.fail(`expected ${line} to be rejected`);
}

test("a War Room line: command, bare arguments, using=", () => {
  assert.deepEqual(parseCommandLine("!azure-risky-users-list risk_level=high limit=10 using=prod"), {
    command: "azure-risky-users-list",
    args: { risk_level: "high", limit: "10" },
    using: "prod",
  });
});

test("double quotes keep spaces and read backslash escapes", () => {
  const line = parseCommandLine(
    String.raw`!cmd a="value with spaces" b="say \"hi\"" c="back\\slash" d="two\nlines"`,
  );
  assert.deepEqual(line.args, { a: "value with spaces", b: 'say "hi"', c: "back\\slash", d: "two\nlines" });
});

test("single quotes are literal, and quoted parts join unquoted ones", () => {
  const line = parseCommandLine(String.raw`!cmd a='x' b='it\s "raw"' c=pre"fix and"post`);
  assert.deepEqual(line.args, { a: "x", b: String.raw`it\s "raw"`, c: "prefix andpost" });
});

test("a value may contain = (next_token URLs) and empty values are kept", () => {
  const url = "https://graph.microsoft.com/v1.0/identityProtection/riskyUsers?$top=2&$skiptoken=abc==";
  const line = parseCommandLine(`!azure-risky-users-list next_token=${url} risk_state=`);
  assert.deepEqual(line.args, { next_token: url, risk_state: "" });
});

test("the leading ! is optional and surrounding blanks are ignored", () => {
  assert.deepEqual(parseCommandLine("   azure-risky-user-get   id=1  "), {
    command: "azure-risky-user-get",
    args: { id: "1" },
  });
});

test("bad lines give one-line errors that say how to fix them", () => {
  assert.match(usageError(""), /empty.*!azure-risky-users-list/);
  assert.match(usageError('!cmd a="open'), /Unterminated double quote in argument "a".*Close it with "/);
  assert.match(usageError("!cmd a='open"), /Unterminated single quote.*Close it with '/);
  assert.match(usageError("!cmd limit"), /"limit" has no value.*limit=value/);
  assert.match(usageError("!cmd a=1 a=2"), /"a" is given twice/);
  assert.match(usageError("!cmd 9x=1"), /not a valid argument name/);
  assert.match(usageError("!cmd using="), /using= is empty/);
  assert.match(usageError('!"quoted command"'), /is not a command name/);
});

test("formatCommandLine quotes what needs quoting and round-trips", () => {
  const original = {
    command: "azure-risky-users-list",
    args: { updated_after: "3 days ago", risk_state: "atRisk", odd: 'a "b" \\c' },
    using: "my instance",
  };
  const text = formatCommandLine(original);
  assert.equal(
    text,
    String.raw`!azure-risky-users-list updated_after="3 days ago" risk_state=atRisk odd="a \"b\" \\c" using="my instance"`,
  );
  assert.deepEqual(parseCommandLine(text), original);
});
