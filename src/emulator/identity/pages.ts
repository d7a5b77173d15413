/**
 * The HTML of the sign-in, consent, device code and message pages. Plain accessible forms without
 * scripts or external assets, so a test can drive them with fetch (GET the page, POST the form) as
 * easily as a browser. Every form posts back to the page's own path with a hidden `interaction` id.
 */
import { escapeHtml } from "../http-util.ts";

const STYLE = `body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;margin-top:0}label{display:block;margin:.75rem 0 .25rem}
input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin:1rem .5rem 0 0;padding:.5rem 1.5rem;font-size:1rem}.error{color:#a80000;border-left:4px solid #a80000;padding-left:.5rem}
.banner{font-size:.8rem;color:#555;margin-bottom:1rem}ul{padding-left:1.25rem}`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<p class="banner">entrakit emulator (local development identity platform, not Microsoft)</p>
${body}
</main></body>
</html>`;
}

function hidden(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n");
}

function errorBlock(error: string | undefined): string {
  return error ? `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>` : "";
}

export function signInPage(input: {
  action: string;
  interaction: string;
  heading: string;
  context: string;
  error?: string;
  loginHint?: string;
}): string {
  return page(
    input.heading,
    `<h1>${escapeHtml(input.heading)}</h1>
<p>${escapeHtml(input.context)}</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
${hidden({ interaction: input.interaction })}
<label for="login">Username</label>
<input type="email" id="login" name="login" autocomplete="username" required value="${escapeHtml(input.loginHint ?? "")}">
<label for="passwd">Password</label>
<input type="password" id="passwd" name="passwd" autocomplete="current-password" required>
<button type="submit" name="action" value="signin">Sign in</button>
</form>`,
  );
}

export function consentPage(input: {
  action: string;
  interaction: string;
  heading: string;
  appName: string;
  permissions: string[];
  /** Offer "Consent on behalf of your organization" (signed-in user is an admin). */
  offerOrganization: boolean;
  acceptLabel?: string;
}): string {
  const list =
    input.permissions.length > 0
      ? `<p>This app would like to:</p><ul>${input.permissions.map((p) => `<li>${escapeHtml(p)}</li>`).join("")}</ul>`
      : "";
  const org = input.offerOrganization
    ? `<label><input type="checkbox" name="consent_org" value="1"> Consent on behalf of your organization</label>`
    : "";
  return page(
    input.heading,
    `<h1>${escapeHtml(input.heading)}</h1>
<p><strong>${escapeHtml(input.appName)}</strong></p>
${list}
<form method="post" action="${escapeHtml(input.action)}">
${hidden({ interaction: input.interaction })}
${org}
<button type="submit" name="action" value="accept">${escapeHtml(input.acceptLabel ?? "Accept")}</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>`,
  );
}

export function codeEntryPage(input: { action: string; error?: string }): string {
  return page(
    "Enter code",
    `<h1>Enter code</h1>
<p>Enter the code displayed on your app or device.</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
<label for="otc">Code</label>
<input type="text" id="otc" name="otc" autocomplete="off" required>
<button type="submit" name="action" value="code">Next</button>
</form>`,
  );
}

export function messagePage(title: string, text: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p id="message">${escapeHtml(text)}</p>`);
}

/** Entra's error page for requests it cannot safely send back to a redirect URI. */
export function errorPage(description: string): string {
  return page(
    "Sign in error",
    `<h1>Sorry, but we're having trouble signing you in.</h1>${errorBlock(description)}`,
  );
}

/** `response_mode=form_post`: a form that posts the response to the redirect URI. */
export function formPostPage(redirectUri: string, fields: Record<string, string>): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Working...</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="${escapeHtml(redirectUri)}">
${hidden(fields)}
<noscript><p>Script is disabled. Click Submit to continue.</p></noscript>
<button type="submit">Submit</button>
</form>
</body></html>`;
}
