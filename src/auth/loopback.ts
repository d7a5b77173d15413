/**
 * Sign-in that finishes by itself: listen on 127.0.0.1 (Microsoft recommends the IP over `localhost`),
 * open or print the login URL, take the redirect, redeem the code and answer the browser with a short page.
 * The redirect URI `http://127.0.0.1` must be registered on the app (any port matches loopback URIs).
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthorizationCodeCredential } from "./authorization-code.ts";
import { AuthenticationRequiredError } from "./errors.ts";
import type { AccessToken } from "./types.ts";

export interface LoopbackSignInOptions {
  /** Opens the URL in a browser; when absent the URL is only printed. */
  openBrowser?: (url: string) => void | Promise<void>;
  /** Where the instructions go (default: stderr). */
  print?: (line: string) => void;
  /** Port to listen on; default a free one. */
  port?: number;
  /** Give up after this many milliseconds (default 5 minutes). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function signInWithLoopback(
  credential: AuthorizationCodeCredential,
  options: LoopbackSignInOptions = {},
): Promise<AccessToken> {
  const server = createServer();
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  try {
    const { url } = await credential.createLoginUrl({ redirectUri: `http://127.0.0.1:${port}/` });
    // Listen for the redirect before anyone can follow the URL.
    const redirected = waitForRedirect(server, port, credential, options);
    redirected.catch(() => {});
    const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
    print(`Sign in with this URL (waiting on 127.0.0.1:${port}):\n${url}`);
    await options.openBrowser?.(url);
    return await redirected;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

function waitForRedirect(
  server: Server,
  port: number,
  credential: AuthorizationCodeCredential,
  options: LoopbackSignInOptions,
): Promise<AccessToken> {
  return new Promise<AccessToken>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new AuthenticationRequiredError("Nobody completed the sign-in in time.", {
            hint: "Run the sign-in again and finish it in the browser.",
          }),
        ),
      options.timeoutMs ?? 5 * 60_000,
    );
    timer.unref();
    options.signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new AuthenticationRequiredError("The sign-in was cancelled."));
    });
    let busy = false;
    server.on("request", (req, res) => {
      const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
      if (url.pathname !== "/" || busy || (!url.searchParams.has("code") && !url.searchParams.has("error"))) {
        res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
        return;
      }
      busy = true;
      credential.redeem(url.toString()).then(
        (token) => {
          clearTimeout(timer);
          res
            .writeHead(200, { "content-type": "text/html; charset=utf-8" })
            .end("<!doctype html><title>Signed in</title><p>Signed in. You can close this window.</p>");
          resolve(token);
        },
        (error: unknown) => {
          clearTimeout(timer);
          res
            .writeHead(400, { "content-type": "text/html; charset=utf-8" })
            .end(
              "<!doctype html><title>Sign-in failed</title><p>Sign-in failed. Return to the terminal.</p>",
            );
          reject(error);
        },
      );
    });
  });
}
