/**
 * The reference's instance checkboxes mapped to transport options, in one place: "Trust any certificate"
 * (`insecure`, older integrations `unsecure`) and "Use system proxy" (`proxy`). Values may arrive as
 * booleans or as the strings a configuration file or command line gives ("true", "false").
 */
import { EntrakitError } from "../errors.ts";
import type { TransportOptions } from "./transport.ts";

export interface TransportParams {
  insecure?: unknown;
  unsecure?: unknown;
  proxy?: unknown;
}

export function transportOptionsFromParams(params: Readonly<TransportParams>): TransportOptions {
  return {
    trustAnyCertificate: flag(params.insecure, "insecure") || flag(params.unsecure, "unsecure"),
    useSystemProxy: flag(params.proxy, "proxy"),
  };
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|yes|1)$/i.test(value.trim())) return true;
  if (typeof value === "string" && /^(false|no|0)$/i.test(value.trim())) return false;
  throw new EntrakitError("configuration", `The ${name} setting must be true or false.`, {
    hint: `Set ${name} to true or false.`,
  });
}
