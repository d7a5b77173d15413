/**
 * A scripted Graph stand-in on loopback for the reference's unit-test scenarios (spec §5), which need
 * answers no real tenant gives on demand (the same page forever, a 400 on a nextLink). End-to-end
 * behaviour against the emulator is tested separately.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface FixtureRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface FixtureAnswer {
  status?: number;
  body?: unknown;
}

export interface Fixture {
  /** Base URL including `/v1.0`. */
  url: string;
  origin: string;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : JSON.parse(text);
}

export async function startFixture(
  answer: (request: FixtureRequest, origin: string) => FixtureAnswer,
): Promise<Fixture> {
  let origin = "";
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", origin);
    const reply = answer(
      {
        method: request.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        body: await readBody(request),
      },
      origin,
    );
    const status = reply.status ?? 200;
    if (reply.body === undefined) {
      response.writeHead(status).end();
      return;
    }
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/v1.0`,
    origin,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Three risky users, the first with id "111", like the reference's test data. */
export function threeUsers(offset = 0): Record<string, unknown>[] {
  return [0, 1, 2].map((i) => ({
    id: i === 0 && offset === 0 ? "111" : `user-${offset + i}`,
    isDeleted: false,
    isProcessing: false,
    riskLastUpdatedDateTime: "2024-02-27T04:49:26.257525Z",
    riskLevel: "high",
    riskState: "atRisk",
    riskDetail: "none",
    userDisplayName: `User ${offset + i}`,
    userPrincipalName: `user${offset + i}@contoso.com`,
  }));
}
