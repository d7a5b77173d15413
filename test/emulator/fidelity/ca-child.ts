/**
 * Child process for the NODE_EXTRA_CA_CERTS check: a confidential client exactly as a user would run it
 * against `entrakit emulator --tls`, trusting the emulator only through the CA file the emulator printed.
 * Prints `{"token": ...}` or `{"error": ...}` on stdout.
 *
 *   NODE_EXTRA_CA_CERTS=<ca.pem> node ca-child.ts <authority> <clientId> <secret>
 */
import { ConfidentialClientApplication } from "@azure/msal-node";

const [authority, clientId, clientSecret] = process.argv.slice(2) as [string, string, string];
try {
  const app = new ConfidentialClientApplication({
    auth: { clientId, authority, clientSecret, knownAuthorities: [new URL(authority).host] },
  });
  const result = await app.acquireTokenByClientCredential({
    scopes: ["https://graph.microsoft.com/.default"],
  });
  process.stdout.write(`${JSON.stringify({ token: result?.accessToken })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
}
