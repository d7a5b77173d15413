import assert from "node:assert/strict";
import { test } from "node:test";
import { EntrakitError, EXIT_CODES, isEntrakitError } from "../src/errors.ts";

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

test("an entrakit error from another copy of the module is still recognised; look-alikes are not", async () => {
  // A query string makes Node load a second, separate instance of src/errors.ts (as the CLI bundle's
  // subcommand files each carry their own copy).
  const other = (await import(`../src/errors.ts?copy=${Date.now()}`)) as typeof import("../src/errors.ts");
  const foreign = new other.EntrakitError("not_found", "No instance named x.");
  assert.equal(foreign instanceof EntrakitError, false);
  assert.equal(isEntrakitError(foreign), true);
  assert.equal(isEntrakitError(new Error("plain")), false);
  assert.equal(isEntrakitError({ code: "not_found", message: "look-alike" }), false);
  assert.equal(isEntrakitError(null), false);
});
