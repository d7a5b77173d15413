import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isEntrakitError } from "../../src/errors.ts";
import { createHttpClient, type HttpClient } from "../../src/http/client.ts";
import { NetworkError } from "../../src/http/errors.ts";
import { INSECURE_TLS_WARNING } from "../../src/http/transport.ts";
import { createLogger, type LogRecord } from "../../src/log.ts";
import { createTestPki, type TestPki } from "../helpers/tls.ts";
import { type ScriptedServer, startScriptedServer } from "./scripted-server.ts";

describe("TLS trust", () => {
  let pki: TestPki;
  let server: ScriptedServer;
  let dir: string;
  const clients: HttpClient[] = [];
  const client = (options: Parameters<typeof createHttpClient>[0]) => {
    const created = createHttpClient({ retry: false, ...options });
    clients.push(created);
    return created;
  };

  before(async () => {
    pki = await createTestPki();
    server = await startScriptedServer([{ status: 200, body: { ok: true } }], {
      tls: { cert: pki.certPem, key: pki.keyPem },
    });
    dir = mkdtempSync(join(tmpdir(), "entrakit-tls-"));
  });
  after(async () => {
    await Promise.all(clients.map((created) => created.close()));
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails without trust, with the reference's advice, and does not retry", async () => {
    const seen = server.received.length;
    await assert.rejects(
      client({}).send({ method: "GET", url: `${server.origin}/` }),
      (error: unknown) =>
        error instanceof NetworkError &&
        error.kind === "tls" &&
        error.message.startsWith("SSL Certificate Verification Failed for 127.0.0.1:") &&
        /Trust any certificate/.test(error.hint ?? "") &&
        /CA certificate/.test(error.hint ?? ""),
    );
    assert.equal(server.received.length, seen, "no request reached the server");
  });

  it("succeeds with the CA given as PEM text", async () => {
    const response = await client({ caCertificates: [pki.caPem] }).send({
      method: "GET",
      url: `${server.origin}/`,
    });
    assert.equal(response.status, 200);
  });

  it("succeeds with the CA given as a file, and public roots stay trusted alongside it", async () => {
    const path = join(dir, "ca.pem");
    writeFileSync(path, pki.caPem);
    const https = client({ caFiles: [path] });
    assert.equal((await https.send({ method: "GET", url: `${server.origin}/` })).status, 200);
  });

  it("refuses a CA file that is missing or not PEM, with a one-line fix", () => {
    assert.throws(
      () => createHttpClient({ caFiles: [join(dir, "missing.pem")] }),
      (error: unknown) =>
        isEntrakitError(error) && error.code === "configuration" && /Cannot read/.test(error.message),
    );
    const junk = join(dir, "junk.pem");
    writeFileSync(junk, "not a certificate");
    assert.throws(() => createHttpClient({ caFiles: [junk] }), /holds no PEM certificate/);
  });

  it("succeeds with 'Trust any certificate' and warns, through the callback and the logger", async () => {
    const warnings: string[] = [];
    const records: LogRecord[] = [];
    const insecure = client({
      trustAnyCertificate: true,
      onWarning: (message) => warnings.push(message),
      logger: createLogger({ level: "warn", sink: (record) => records.push(record) }),
    });
    assert.equal(insecure.transport.insecure, true);
    assert.equal((await insecure.send({ method: "GET", url: `${server.origin}/` })).status, 200);
    assert.deepEqual(warnings, [INSECURE_TLS_WARNING]);
    assert.deepEqual(
      records.map((record) => [record.level, record.message]),
      [["warn", INSECURE_TLS_WARNING]],
    );
  });

  it("keeps verification per client: an insecure client does not weaken another", async () => {
    client({ trustAnyCertificate: true });
    await assert.rejects(
      client({}).send({ method: "GET", url: `${server.origin}/` }),
      (error: unknown) => error instanceof NetworkError && error.kind === "tls",
    );
    assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined);
  });

  it("rejects nonsense timeouts with a clear error", () => {
    assert.throws(
      () => createHttpClient({ connectTimeoutMs: 0 }),
      /connectTimeoutMs must be a positive number/,
    );
  });
});
