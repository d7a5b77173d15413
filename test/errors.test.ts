import assert from "node:assert/strict";
import { test } from "node:test";
import { EntrakitError, EXIT_CODES } from "../src/errors.ts";

test("every error code has a distinct exit status", () => {
  const statuses = Object.values(EXIT_CODES);
  assert.equal(new Set(statuses).size, statuses.length);
  assert.ok(statuses.every((status) => status > 0 && status < 126));
});

test("an error renders as one line with its hint", () => {
  const error = new EntrakitError("configuration", "The tenant ID is missing.", {
    hint: "Set tenant_id on the instance.",
  });
  assert.equal(error.toLine(), "The tenant ID is missing. Set tenant_id on the instance.");
  assert.equal(error.exitCode, EXIT_CODES.configuration);
  assert.ok(!error.toLine().includes("\n"));
});
