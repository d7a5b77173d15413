import assert from "node:assert/strict";
import { test } from "node:test";
import {
  classifyPollError,
  deviceCodeInstructions,
  parseDeviceAuthorization,
  pendingDeviceFlow,
} from "../../src/protocol/device-code.ts";

test("device authorization responses parse defensively (string numbers, defaults)", () => {
  const parsed = parseDeviceAuthorization({
    device_code: "dc",
    user_code: "ABCD-EFGH",
    verification_uri: "https://microsoft.com/devicelogin",
    expires_in: "900",
    interval: "5",
    message: "To sign in...",
  });
  assert.deepEqual(parsed, {
    deviceCode: "dc",
    userCode: "ABCD-EFGH",
    verificationUri: "https://microsoft.com/devicelogin",
    expiresIn: 900,
    interval: 5,
    message: "To sign in...",
  });
  const defaults = parseDeviceAuthorization({ device_code: "d", user_code: "u", verification_uri: "v" });
  assert.equal(defaults.expiresIn, 900);
  assert.equal(defaults.interval, 5);
  assert.throws(() => parseDeviceAuthorization({ user_code: "u" }), /lacks device_code/);
});

test("the pending flow carries an absolute expiry and everything complete needs", () => {
  const flow = pendingDeviceFlow(
    { deviceCode: "d", userCode: "U", verificationUri: "https://v", expiresIn: 900, interval: 5 },
    { authorityHost: "https://h", tenant: "organizations", clientId: "c", scopes: ["User.Read"], now: 1000 },
  );
  assert.equal(flow.expiresAt, 901_000);
  assert.equal(flow.createdAt, 1000);
  assert.deepEqual([flow.tenant, flow.clientId, flow.scopes], ["organizations", "c", ["User.Read"]]);
});

test("poll answers are classified by error, then by AADSTS code", () => {
  assert.equal(classifyPollError("authorization_pending"), "pending");
  assert.equal(classifyPollError("slow_down"), "slow_down");
  assert.equal(classifyPollError("authorization_declined"), "declined");
  assert.equal(classifyPollError("expired_token"), "expired");
  assert.equal(classifyPollError("bad_verification_code"), "bad_code");
  assert.equal(classifyPollError("invalid_grant", [70019]), "expired");
  assert.equal(classifyPollError("invalid_grant", [70008]), "failed");
  assert.equal(classifyPollError(undefined), "failed");
});

test("instructions name the verification URI and code, the complete command, and warn about phishing", () => {
  const flow = pendingDeviceFlow(
    {
      deviceCode: "secret-device-code",
      userCode: "WXYZ-1234",
      verificationUri: "https://login.microsoftonline.us/device",
      expiresIn: 900,
      interval: 5,
    },
    { authorityHost: "https://h", tenant: "t", clientId: "c", scopes: [], now: 0 },
  );
  const text = deviceCodeInstructions(flow, "!azure-sql-auth-complete");
  assert.ok(
    text.startsWith(
      "### Authorization instructions\n1. To sign in, use a web browser to open the page [https://login.microsoftonline.us/device](https://login.microsoftonline.us/device)",
    ),
  );
  assert.ok(text.includes("and enter the code **WXYZ-1234** to authenticate."));
  assert.ok(text.includes("2. Run the **!azure-sql-auth-complete** command in the War Room."));
  assert.match(text, /never send this code or link by email/);
  assert.ok(!text.includes("secret-device-code"));
});
