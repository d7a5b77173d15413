import assert from "node:assert/strict";
import { test } from "node:test";
import { EntrakitError } from "../../src/errors.ts";
import { formatODataDate, parseDate } from "../../src/runtime/dates.ts";

// A fixed clock: 2026-03-31T12:34:56.789Z (the 31st, to exercise month clamping).
const NOW = Date.UTC(2026, 2, 31, 12, 34, 56, 789);
const now = () => NOW;
const at = (input: string) => formatODataDate(parseDate(input, now, "updated_before"));

test("ISO-8601 keeps seven fractional digits and ends in Z", () => {
  assert.equal(at("2024-02-27T04:49:26.257525Z"), "2024-02-27T04:49:26.2575250Z");
  assert.equal(at("2022-06-09T23:00:44.7420905Z"), "2022-06-09T23:00:44.7420905Z");
  assert.equal(at("2024-02-27T04:49:26Z"), "2024-02-27T04:49:26.0000000Z");
  assert.equal(at("2024-02-27"), "2024-02-27T00:00:00.0000000Z");
  assert.equal(at("2024-02-27 04:49"), "2024-02-27T04:49:00.0000000Z");
});

test("an explicit offset is converted to UTC; no offset means UTC", () => {
  assert.equal(at("2024-02-27T04:49:26.5+02:00"), "2024-02-27T02:49:26.5000000Z");
  assert.equal(at("2024-02-27T23:30:00-0130"), "2024-02-28T01:00:00.0000000Z");
  assert.equal(at("2024-02-27T04:49:26"), "2024-02-27T04:49:26.0000000Z");
});

test("relative forms resolve against the injected clock", () => {
  assert.equal(at("10 days"), "2026-03-21T12:34:56.7890000Z");
  assert.equal(at("10 days ago"), "2026-03-21T12:34:56.7890000Z");
  assert.equal(at("3 days ago"), "2026-03-28T12:34:56.7890000Z");
  assert.equal(at("2 hours"), "2026-03-31T10:34:56.7890000Z");
  assert.equal(at("90 minutes ago"), "2026-03-31T11:04:56.7890000Z");
  assert.equal(at("1 week"), "2026-03-24T12:34:56.7890000Z");
  assert.equal(at("yesterday"), "2026-03-30T12:34:56.7890000Z");
  assert.equal(at("now"), "2026-03-31T12:34:56.7890000Z");
  assert.equal(at("an hour ago"), "2026-03-31T11:34:56.7890000Z");
  assert.equal(at("  3   Days   AGO "), "2026-03-28T12:34:56.7890000Z");
});

test("months and years are calendar months, clamped to the month's last day", () => {
  assert.equal(at("1 month"), "2026-02-28T12:34:56.7890000Z");
  assert.equal(at("5 months"), "2025-10-31T12:34:56.7890000Z");
  assert.equal(at("13 months ago"), "2025-02-28T12:34:56.7890000Z");
  assert.equal(at("2 years"), "2024-03-31T12:34:56.7890000Z");
  assert.equal(at("500 days ago"), "2024-11-16T12:34:56.7890000Z");
});

test("what is not a date is an error naming the accepted forms, never a silent drop", () => {
  for (const input of ["soon", "10 fortnights", "2024-02-30", "2024-13-01", "", "3 days from now", "12:00"]) {
    assert.throws(
      () => parseDate(input, now, "updated_after"),
      (error: unknown) =>
        error instanceof EntrakitError &&
        error.code === "usage" &&
        error.toLine().includes("updated_after") &&
        error.toLine().includes("ISO-8601") &&
        !error.toLine().includes("\n"),
      input,
    );
  }
});
