/**
 * A stub OAuth proxy for tests: serves `POST /obtain-token` as docs/spec describe (registration lookup,
 * app name check, AES-GCM decryption of `<epoch>:<content>`, 5-minute freshness, replay refusal) and
 * hands the decrypted content to a test-supplied `issue` function that returns Microsoft's answer.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { decryptProxyToken } from "../../src/protocol/oauth-proxy.ts";

export interface StubRegistration {
  appName: string;
  key: Buffer;
  tenantId: string;
}

export interface StubIssueInput {
  registrationId: string;
  registration: StubRegistration;
  /** The decrypted content: a refresh token, or the tenant id. */
  content: string;
  scope: string | null;
  resource: string;
}

export interface StubAnswer {
  status: number;
  body: unknown;
}

export interface StubRequestRecord {
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** The decrypted content, when decryption worked. */
  content?: string;
  status: number;
}

export interface OAuthProxyStub {
  url: string;
  requests: StubRequestRecord[];
  /** Answers to send before decrypting, consumed one per request (to inject failures). */
  failNext: StubAnswer[];
  close(): Promise<void>;
}

export async function startOAuthProxyStub(options: {
  registrations: Record<string, StubRegistration>;
  issue: (input: StubIssueInput) => Promise<StubAnswer> | StubAnswer;
  now?: () => number;
}): Promise<OAuthProxyStub> {
  const now = options.now ?? Date.now;
  const seen = new Set<string>();
  const requests: StubRequestRecord[] = [];
  const failNext: StubAnswer[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown, record: Omit<StubRequestRecord, "status">) => {
      requests.push({ ...record, status });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    } catch {
      reply(
        415,
        { title: "invalid_request", detail: "JSON body expected" },
        { body: {}, headers: req.headers },
      );
      return;
    }
    const record = { body, headers: req.headers };
    if (req.method !== "POST" || req.url !== "/obtain-token") {
      reply(405, { title: "invalid_request", detail: "POST /obtain-token only" }, record);
      return;
    }
    const injected = failNext.shift();
    if (injected) {
      reply(injected.status, injected.body, record);
      return;
    }
    const registrationId = String(body.registration_id ?? "");
    const registration = options.registrations[registrationId];
    if (!registration || registration.appName !== body.app_name) {
      reply(401, { title: "unauthorized", detail: "Unknown registration" }, record);
      return;
    }
    let content: string;
    try {
      const encrypted = String(body.encrypted_token ?? "");
      const decrypted = decryptProxyToken(registration.key, encrypted);
      if (Math.abs(now() / 1000 - decrypted.epochSeconds) > 300 || seen.has(encrypted))
        throw new Error("stale");
      seen.add(encrypted);
      content = decrypted.content;
    } catch {
      reply(401, { title: "unauthorized", detail: "The token could not be verified" }, record);
      return;
    }
    const answer = await options.issue({
      registrationId,
      registration,
      content,
      scope: (body.scope as string | null) ?? null,
      resource: String(body.resource ?? ""),
    });
    reply(answer.status, answer.body, { ...record, content });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/obtain-token`,
    requests,
    failNext,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
