/**
 * The small client integration commands are written against. The wiring layer builds one from a
 * credential (auth/) and the transport (http/); tests build one over fetch against the emulator. Either
 * way commands never see tokens, hosts or retries: only paths, JSON and typed errors. A non-2xx answer
 * rejects with the transport's HttpStatusError (status, service code and message) or, for throttling that
 * outlasted the retries, its ThrottledError.
 */
import type { Cloud } from "../clouds/registry.ts";
import { apiBase, scopeFor } from "../clouds/resources.ts";
import { EntrakitError } from "../errors.ts";
import { authorizedJson, type TokenAudience, type TokenSource } from "../http/authorized.ts";
import type { HttpClient } from "../http/client.ts";
import { HttpStatusError } from "../http/errors.ts";
import type { ResourceSpec } from "./types.ts";

/** Query parameters in the order they are sent; empty values are dropped by `odataQuery`. */
export type Query = ReadonlyArray<readonly [name: string, value: string]>;

export interface ApiClient {
  /**
   * GET a path under the resource's base (`/identityProtection/riskyUsers`), or an absolute URL
   * (an `@odata.nextLink`) sent exactly as given. Resolves to the parsed JSON body. An absolute URL on
   * another origin than the resource's must be refused: the bearer token goes only to the resource.
   */
  get(pathOrUrl: string, query?: Query): Promise<unknown>;
  /** POST a JSON body. Resolves to the parsed body, or undefined for 204 No Content. */
  post(path: string, body: unknown): Promise<unknown>;
  /** Any method, with an optional JSON body (the generic Graph request). Same rules as `get`. */
  send(method: ApiMethod, pathOrUrl: string, body?: unknown): Promise<unknown>;
}

export type ApiMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** The API answered with this status (any status when `status` is omitted). */
export function isHttpStatus(error: unknown, status?: number): error is HttpStatusError {
  return error instanceof HttpStatusError && (status === undefined || error.status === status);
}

export interface ApiClientOptions {
  http: HttpClient;
  /** Any credential of src/auth. */
  credential: TokenSource;
  /** API base with its version path, e.g. `https://graph.microsoft.com/v1.0`. */
  baseUrl: string;
  /** What the token is for (the resource's `.default` scope in the instance's cloud). */
  audience: TokenAudience;
}

/**
 * Where a resource lives in a cloud and what its tokens are for. A custom cloud aimed at the emulator
 * overrides `baseUrl` only: the emulator serves Graph on its own host but issues tokens for Graph's
 * real identifier.
 */
export function apiTarget(
  cloud: Cloud,
  resource: ResourceSpec,
): { baseUrl: string; audience: TokenAudience } {
  return {
    baseUrl: `${apiBase(cloud, resource.family)}${resource.basePath}`,
    audience: { scopes: [scopeFor(cloud, resource.family)] },
  };
}

/** The ApiClient commands get: bearer tokens from the credential, the transport's retries and errors. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = new URL(options.baseUrl);
  const prefix = base.href.replace(/\/$/, "");
  const resolve = (pathOrUrl: string, query: Query = []): string => {
    const url = /^https?:\/\//i.test(pathOrUrl) ? new URL(pathOrUrl) : new URL(`${prefix}${pathOrUrl}`);
    if (url.origin !== base.origin) {
      // A pasted next_token pointing elsewhere would carry the tenant's token to that host.
      throw new EntrakitError(
        "usage",
        `Refusing to send a token to ${url.origin}: it is not ${base.origin}.`,
        {
          hint: "Use a next_token from a previous call to this instance.",
        },
      );
    }
    for (const [name, value] of query) url.searchParams.append(name, value);
    // Absolute links are sent exactly as the service wrote them.
    return query.length === 0 && /^https?:\/\//i.test(pathOrUrl) ? pathOrUrl : url.href;
  };
  return {
    get: (pathOrUrl, query) =>
      authorizedJson(options.http, options.credential, options.audience, {
        method: "GET",
        url: resolve(pathOrUrl, query),
      }),
    post: (path, body) =>
      authorizedJson(options.http, options.credential, options.audience, {
        method: "POST",
        url: resolve(path),
        json: body,
      }),
    send: (method, pathOrUrl, body) =>
      authorizedJson(options.http, options.credential, options.audience, {
        method,
        url: resolve(pathOrUrl),
        ...(body === undefined ? {} : { json: body }),
      }),
  };
}
