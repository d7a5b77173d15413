/**
 * Azure Arc's local proof: the agent answers the first request with 401 and a `WWW-Authenticate: Basic
 * realm=<path>` naming a key file only local administrators can read; the request is repeated with the
 * file's content. The path is checked first (inside the agent's token directory, `.key`, at most 4 KiB)
 * so a hostile endpoint cannot make us read and send an arbitrary file.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { EntrakitError } from "../../errors.ts";
import type { AuthHttp, AuthHttpRequest, AuthHttpResponse } from "../transport.ts";

export const ARC_KEY_DIRECTORY =
  process.platform === "win32"
    ? `${process.env.ProgramData ?? "C:\\ProgramData"}\\AzureConnectedMachineAgent\\Tokens`
    : "/var/opt/azcmagent/tokens";
const MAX_KEY_BYTES = 4096;

export async function sendArcRequest(
  http: AuthHttp,
  request: AuthHttpRequest,
  keyDirectory: string = ARC_KEY_DIRECTORY,
): Promise<AuthHttpResponse> {
  const first = await http.send(request);
  if (first.status !== 401) return first;
  const challenge = first.headers["www-authenticate"] ?? "";
  const match = /Basic\s+realm=("?)([^"]+)\1/i.exec(challenge);
  if (!match) {
    throw arcError("Azure Arc answered 401 without a key file challenge.");
  }
  const keyPath = resolve(match[2]!.trim());
  if (
    dirname(keyPath) !== resolve(keyDirectory) ||
    !keyPath.endsWith(".key") ||
    keyPath.includes(`..${sep}`)
  ) {
    throw arcError("Azure Arc named a key file outside the agent's token directory; refusing to read it.");
  }
  let secret: string;
  try {
    if (statSync(keyPath).size > MAX_KEY_BYTES) throw new Error("too large");
    secret = readFileSync(keyPath, "utf8").trim();
  } catch {
    throw arcError(
      "Could not read the Azure Arc key file.",
      "Run as a user in the himds group, or as an administrator.",
    );
  }
  return http.send({ ...request, headers: { ...request.headers, Authorization: `Basic ${secret}` } });
}

function arcError(
  message: string,
  hint = "Check that the Azure Connected Machine agent is installed and running.",
): EntrakitError {
  return new EntrakitError("authentication_failed", message, { hint });
}
