/**
 * OData pieces integration commands share: filter literals, query assembly, page shape checks. Pure.
 */
import { EntrakitError } from "../errors.ts";
import type { Query } from "./api-client.ts";

export interface ODataPage {
  value: Record<string, unknown>[];
  "@odata.context"?: string;
  "@odata.nextLink"?: string;
  [property: string]: unknown;
}

/** A single-quoted OData string literal; a quote inside is doubled, as OData requires. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Keeps parameters in the given order and drops the empty ones. */
export function odataQuery(params: ReadonlyArray<readonly [string, string | number | undefined]>): Query {
  return params
    .filter((entry): entry is readonly [string, string | number] => entry[1] !== undefined && entry[1] !== "")
    .map(([name, value]) => [name, String(value)] as const);
}

/** Checks that a body is a collection page; anything else is a service fault worth naming. */
export function asPage(body: unknown, what: string): ODataPage {
  if (typeof body === "object" && body !== null && Array.isArray((body as { value?: unknown }).value)) {
    return body as ODataPage;
  }
  throw new EntrakitError("internal", `The answer to ${what} is not a list (no "value" array).`);
}
