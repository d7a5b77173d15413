/**
 * Workload identity federation (AKS, GitHub Actions, ...): the assertion is an external token that the
 * platform writes to a file and rotates. The file is re-read whenever its size, mtime or inode changes, so
 * a rotated token is picked up on the next request without restarting.
 */
import { readFile, stat } from "node:fs/promises";
import { ClientCredentialsFlow, type ConfidentialClientOptions } from "./client-credentials.ts";
import { configurationError } from "./common.ts";
import type { AccessToken, GetTokenOptions, TokenCredential } from "./types.ts";

export interface WorkloadIdentityCredentialOptions extends Partial<ConfidentialClientOptions> {
  /** Default `$AZURE_FEDERATED_TOKEN_FILE`. */
  tokenFilePath?: string;
}

export class WorkloadIdentityCredential implements TokenCredential {
  readonly tokenFilePath: string;
  readonly #flow: ClientCredentialsFlow;
  #cached: { stamp: string; assertion: string } | undefined;

  constructor(options: WorkloadIdentityCredentialOptions = {}) {
    const env = options.env ?? process.env;
    const path = options.tokenFilePath ?? env.AZURE_FEDERATED_TOKEN_FILE;
    if (!path) {
      throw configurationError(
        "WorkloadIdentityCredential needs a federated token file.",
        "Set AZURE_FEDERATED_TOKEN_FILE (workload identity sets it in the pod), or pass tokenFilePath.",
      );
    }
    this.tokenFilePath = path;
    const flowOptions: ConfidentialClientOptions = {
      ...options,
      tenantId: options.tenantId ?? env.AZURE_TENANT_ID ?? "",
      clientId: options.clientId ?? env.AZURE_CLIENT_ID ?? "",
    };
    this.#flow = new ClientCredentialsFlow("WorkloadIdentityCredential", flowOptions, () => async () => ({
      kind: "assertion",
      assertion: await this.#assertion(),
    }));
  }

  getToken(options?: GetTokenOptions): Promise<AccessToken> {
    return this.#flow.getToken(options);
  }

  async #assertion(): Promise<string> {
    try {
      const info = await stat(this.tokenFilePath);
      const stamp = `${info.mtimeMs}:${info.size}:${info.ino}`;
      if (this.#cached?.stamp === stamp) return this.#cached.assertion;
      const assertion = (await readFile(this.tokenFilePath, "utf8")).trim();
      if (assertion === "") throw new Error("empty");
      this.#cached = { stamp, assertion };
      return assertion;
    } catch {
      throw configurationError(
        "The federated token file is missing, unreadable or empty.",
        "Check AZURE_FEDERATED_TOKEN_FILE and that the service account token is projected into the pod.",
      );
    }
  }
}
