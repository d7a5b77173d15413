/**
 * A tiny fetch-based ApiClient for tests: the real HTTP path (URL building, query encoding, error bodies)
 * against a real local server, with every request recorded. Absolute URLs (nextLinks) must stay on the
 * base URL's origin, so a token is never sent elsewhere.
 */
import { errorForResponse } from "../../src/http/service-error.ts";
import type { ApiClient, Query } from "../../src/integrations/api-client.ts";

export interface RecordedRequest {
  method: string;
  url: string;
  body?: unknown;
}

export interface RecordingClient extends ApiClient {
  requests: RecordedRequest[];
}

export function fetchApiClient(baseUrl: string, token?: () => Promise<string>): RecordingClient {
  const base = new URL(baseUrl);
  const requests: RecordedRequest[] = [];

  function resolve(pathOrUrl: string, query?: Query): URL {
    const url = /^https?:\/\//i.test(pathOrUrl)
      ? new URL(pathOrUrl)
      : new URL(`${base.href.replace(/\/$/, "")}${pathOrUrl}`);
    if (url.origin !== base.origin) throw new Error(`refusing to send a token to ${url.origin}`);
    for (const [name, value] of query ?? []) url.searchParams.append(name, value);
    return url;
  }

  async function send(method: string, url: URL, body?: unknown): Promise<unknown> {
    requests.push(body === undefined ? { method, url: url.href } : { method, url: url.href, body });
    const headers: Record<string, string> = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${await token()}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok)
      throw errorForResponse({
        status: response.status,
        headers: Object.fromEntries(response.headers),
        text,
        url: url.href,
      });
    return response.status === 204 || text === "" ? undefined : JSON.parse(text);
  }

  return {
    requests,
    get: (pathOrUrl, query) => send("GET", resolve(pathOrUrl, query)),
    post: (path, body) => send("POST", resolve(path), body),
    send: (method, pathOrUrl, body) => send(method, resolve(pathOrUrl), body),
  };
}
