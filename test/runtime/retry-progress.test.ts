/**
 * Throttle and transient-failure waits reach the progress line (stderr on a TTY) through the session's
 * transport hook: the host and the reason, never the query string; sub-second waits show as 1 s.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { retryProgress } from "../../src/runtime/session.ts";

test("a wait before a retry is one progress line naming the host, the reason and the delay", () => {
  const lines: string[] = [];
  const report = retryProgress((line) => lines.push(line));
  report({
    attempt: 2,
    delayMs: 2_400,
    reason: "HTTP 429 with Retry-After",
    target: "https://graph.microsoft.com/v1.0/identityProtection/riskyUsers",
  });
  report({ attempt: 3, delayMs: 120, reason: "HTTP 503", target: "http://127.0.0.1:7070/v1.0/users" });
  assert.deepEqual(lines, [
    "graph.microsoft.com answered HTTP 429 with Retry-After; retrying in 2 s (attempt 2)",
    "127.0.0.1:7070 answered HTTP 503; retrying in 1 s (attempt 3)",
  ]);
});
