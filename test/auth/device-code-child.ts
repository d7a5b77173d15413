/**
 * Test-only child process: completes a device code sign-in that another process started, from the same
 * SQLite store. Prints the outcome as one JSON line and exits with the error's documented exit status.
 */
import { DeviceCodeCredential } from "../../src/auth/device-code.ts";
import { createAuthHttp } from "../../src/auth/transport.ts";
import { isEntrakitError } from "../../src/errors.ts";
import { openStore } from "../../src/store/index.ts";

const env = process.env;
const store = await openStore({
  url: env.TEST_STORE_URL!,
  masterKey: Buffer.from(env.TEST_MASTER_KEY!, "base64"),
});
const credential = new DeviceCodeCredential({
  authorityHost: env.TEST_AUTHORITY!,
  clientId: env.TEST_CLIENT_ID!,
  scopes: ["https://graph.microsoft.com/User.Read"],
  http: createAuthHttp({ caCertificates: [env.TEST_CA!] }),
  store,
  namespace: "inst",
  completeCommand: "!test-auth-complete",
});
try {
  const token = await credential.complete({ singlePoll: env.TEST_SINGLE_POLL === "1" });
  const claims = JSON.parse(Buffer.from(token.token.split(".")[1]!, "base64url").toString("utf8"));
  process.stdout.write(
    `${JSON.stringify({ ok: true, upn: claims.upn ?? claims.preferred_username, scopes: token.scopes })}\n`,
  );
  process.exitCode = 0;
} catch (error) {
  if (!isEntrakitError(error)) throw error;
  process.stdout.write(`${JSON.stringify({ ok: false, code: error.code, line: error.toLine() })}\n`);
  process.exitCode = error.exitCode;
} finally {
  await store.close();
}
