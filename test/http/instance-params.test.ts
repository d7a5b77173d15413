import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { transportOptionsFromParams } from "../../src/http/instance-params.ts";

describe("instance checkboxes to transport options", () => {
  it("maps insecure/unsecure and proxy, booleans or strings", () => {
    assert.deepEqual(transportOptionsFromParams({}), { trustAnyCertificate: false, useSystemProxy: false });
    assert.deepEqual(transportOptionsFromParams({ insecure: true, proxy: "true" }), {
      trustAnyCertificate: true,
      useSystemProxy: true,
    });
    assert.deepEqual(transportOptionsFromParams({ unsecure: "yes", proxy: false }), {
      trustAnyCertificate: true,
      useSystemProxy: false,
    });
    assert.deepEqual(transportOptionsFromParams({ insecure: "False", proxy: "" }), {
      trustAnyCertificate: false,
      useSystemProxy: false,
    });
  });

  it("refuses anything else with a one-line fix", () => {
    assert.throws(() => transportOptionsFromParams({ proxy: "maybe" }), {
      message: "The proxy setting must be true or false.",
    });
  });
});
