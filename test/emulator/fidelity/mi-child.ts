/**
 * Child process for managed identity fidelity: msal-node picks its managed identity source once per
 * process from the environment, so each non-IMDS source runs here with the environment a real host
 * would give it. Prints `{"token": ..., "expiresOnTimestamp": ...}` or `{"error": ...}` on stdout.
 *
 *   node mi-child.ts <scope> [clientId]
 */
import { ManagedIdentityCredential } from "@azure/identity";

const [scope, clientId] = process.argv.slice(2);
try {
  const credential = clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  const token = await credential.getToken(scope!);
  process.stdout.write(
    `${JSON.stringify({ token: token.token, expiresOnTimestamp: token.expiresOnTimestamp })}\n`,
  );
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
}
