/**
 * The consent pages customers see: what the app is and asks for, the one-time result (ID, Token, Key with
 * copy buttons and a ready `entrakit instance add` line) and error pages. Self-contained HTML: inline CSS
 * and one small inline script under a per-response CSP nonce, so the pages work offline and load nothing
 * from anywhere else.
 */
import type { ProxyApp } from "./config.ts";

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f4f6fa;--card:#fff;--text:#1b1f24;--muted:#57606a;--accent:#0a5cc2;--accent-text:#fff;--border:#d0d7de;--warn-bg:#fff4ce;--warn:#6b4e00;--error:#a4262c;--code:#eef1f5}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9da7b3;--accent:#4493f8;--accent-text:#0d1117;--border:#30363d;--warn-bg:#3d2e00;--warn:#f2cc60;--error:#ff7b72;--code:#1f2630}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:46rem;margin:2.5rem auto;padding:0 1rem}
.card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.muted{color:var(--muted)}
.badge{display:inline-block;font-size:.8rem;padding:.1rem .6rem;border:1px solid var(--border);border-radius:999px;color:var(--muted);margin-right:.4rem}
ul.perms{padding:0;list-style:none;margin:0}
ul.perms li{padding:.6rem .8rem;border:1px solid var(--border);border-radius:8px;margin:.4rem 0}
ul.perms code{font-weight:600}
code,pre,.value{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
.button{display:inline-block;background:var(--accent);color:var(--accent-text);border:0;border-radius:8px;padding:.75rem 1.4rem;font-size:1rem;font-weight:600;cursor:pointer;text-decoration:none}
.button:hover{filter:brightness(1.08)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.field{margin:1rem 0}
.field label{display:block;font-weight:600;margin-bottom:.3rem}
.row{display:flex;gap:.5rem;align-items:stretch}
.value{flex:1;min-width:0;background:var(--code);border:1px solid var(--border);border-radius:8px;padding:.55rem .7rem;overflow-wrap:anywhere;user-select:all}
.copy{background:transparent;color:var(--accent);border:1px solid var(--accent);border-radius:8px;padding:0 .9rem;font-size:.9rem;cursor:pointer;white-space:nowrap}
.warning{background:var(--warn-bg);color:var(--warn);border-radius:8px;padding:.8rem 1rem;margin:1rem 0;font-weight:600}
.error{border-left:4px solid var(--error);padding-left:1rem}
.error h1{color:var(--error)}
footer{margin-top:1.5rem;font-size:.85rem;color:var(--muted)}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

const COPY_SCRIPT = `
document.querySelectorAll("button.copy").forEach(function (button) {
  button.addEventListener("click", function () {
    var target = document.getElementById(button.getAttribute("data-target"));
    var text = target ? target.textContent : "";
    var status = document.getElementById("copy-status");
    function done(ok) {
      button.textContent = ok ? "Copied" : "Select and copy";
      if (status) status.textContent = ok ? button.getAttribute("aria-label") + ": copied" : "Copy failed; select the text and copy it";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback(target)); });
    } else { done(fallback(target)); }
  });
});
function fallback(node) {
  try {
    var range = document.createRange(); range.selectNodeContents(node);
    var selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
    return document.execCommand("copy");
  } catch (e) { return false; }
}
`;

export interface Page {
  status: number;
  html: string;
  /** The CSP nonce the page's script carries (the server puts it in the header). */
  nonce: string;
}

function layout(title: string, body: string, nonce: string, script = false): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
${script ? `<script nonce="${nonce}">${COPY_SCRIPT}</script>` : ""}
</body>
</html>
`;
}

const CLOUD_NAMES: Readonly<Record<string, string>> = {
  com: "Microsoft Azure (worldwide)",
  gcc: "Microsoft Azure US Government (GCC)",
  "gcc-high": "Microsoft Azure US Government (GCC High)",
  dod: "Microsoft Azure US Government (DoD)",
  cn: "Microsoft Azure operated by 21Vianet (China)",
  de: "Microsoft Azure Germany (retired)",
  custom: "a custom cloud",
};

export function consentPage(app: ProxyApp, nonce: string): Page {
  const perms = app.permissions.length
    ? `<ul class="perms">${app.permissions
        .map(
          (p) =>
            `<li><code>${escapeHtml(p.name)}</code>${p.description ? `<br><span class="muted">${escapeHtml(p.description)}</span>` : ""}</li>`,
        )
        .join("")}</ul>`
    : `<p class="muted">${escapeHtml(
        app.kind === "application" ? `Application access to ${app.resource}` : app.scopes.join(", "),
      )}</p>`;
  const who =
    app.kind === "application"
      ? "A <strong>Global Administrator</strong> (or Privileged Role / Cloud Application Administrator) of your tenant must approve: the app then acts as itself, without a signed-in user."
      : "You sign in and consent; the app then acts on your behalf, with your permissions.";
  const body = `<div class="card">
<p class="muted">Authorization</p>
<h1>${escapeHtml(app.displayName)}</h1>
<p><span class="badge">${app.kind === "application" ? "Application permissions" : "Delegated permissions"}</span><span class="badge">${escapeHtml(CLOUD_NAMES[app.cloud.id] ?? app.cloud.displayName)}</span></p>
${app.description ? `<p>${escapeHtml(app.description)}</p>` : ""}
${app.publisher ? `<p class="muted">Published by ${escapeHtml(app.publisher)}</p>` : ""}
<h2>Permissions it asks for</h2>
${perms}
<h2>What happens next</h2>
<p>${who}</p>
<p>You will be sent to Microsoft to sign in and consent. When you come back, this page shows an <strong>ID</strong>, a <strong>Token</strong> and a <strong>Key</strong> to paste into your integration instance.</p>
<form method="post" action="/consent/${encodeURIComponent(app.appName)}/start">
<button class="button" type="submit">Start Authorization Process</button>
</form>
</div>
<footer>Client ID <code>${escapeHtml(app.clientId)}</code> · served by entrakit proxy</footer>`;
  return { status: 200, html: layout(`Authorize ${app.displayName}`, body, nonce), nonce };
}

export interface ResultValues {
  id: string;
  token: string;
  key: string;
  instanceCommand: string;
}

function copyField(id: string, label: string, value: string, hint: string): string {
  return `<div class="field">
<label id="${id}-label" for="${id}">${escapeHtml(label)}</label>
<div class="row"><output class="value" id="${id}" aria-labelledby="${id}-label">${escapeHtml(value)}</output><button class="copy" type="button" data-target="${id}" aria-label="Copy ${escapeHtml(label)}">Copy</button></div>
<span class="muted">${escapeHtml(hint)}</span>
</div>`;
}

export function resultPage(app: ProxyApp, values: ResultValues, nonce: string): Page {
  const body = `<div class="card">
<p class="muted">Authorization complete</p>
<h1>${escapeHtml(app.displayName)} is authorized</h1>
<p class="warning" role="alert">These values are shown once. Copy them now: the Key cannot be shown again (if it is lost, authorize again).</p>
${copyField("value-id", "ID", values.id, "Goes into the ID (client ID) field.")}
${copyField("value-token", "Token", values.token, app.kind === "application" ? "Your tenant ID; goes into the Token (tenant ID) field." : "The initial refresh token; goes into the Token field. Keep it secret.")}
${copyField("value-key", "Key", values.key, "Goes into the Key (client secret) field. Keep it secret.")}
<h2>With entrakit</h2>
<p>Add an instance with this command; it asks for the ${app.kind === "application" ? "Key" : "Token and the Key"} at a prompt, so ${app.kind === "application" ? "it stays" : "they stay"} out of your shell history:</p>
${copyField("value-command", "Command", values.instanceCommand, "Run it on the machine where entrakit runs.")}
<p class="sr-only" id="copy-status" role="status" aria-live="polite"></p>
</div>
<footer>Registration ${escapeHtml(values.id.split("@")[0] ?? "")} · You can close this page once the values are saved.</footer>`;
  return { status: 200, html: layout(`${app.displayName}: authorized`, body, nonce, true), nonce };
}

export function errorPage(
  status: number,
  title: string,
  message: string,
  nonce: string,
  retryHref?: string,
): Page {
  const body = `<div class="card error" role="alert">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
${retryHref ? `<p><a class="button" href="${escapeHtml(retryHref)}">Start again</a></p>` : ""}
</div>
<footer>No registration was created.</footer>`;
  return { status, html: layout(title, body, nonce), nonce };
}

export function indexPage(apps: ProxyApp[], nonce: string): Page {
  const links = apps
    .map(
      (app) =>
        `<li><a href="/consent/${encodeURIComponent(app.appName)}">${escapeHtml(app.displayName)}</a></li>`,
    )
    .join("");
  const body = `<div class="card">
<h1>Authorization service</h1>
<p>Choose the app to authorize:</p>
<ul>${links}</ul>
</div>`;
  return { status: 200, html: layout("Authorization service", body, nonce), nonce };
}

/** The shell line for the result page: secrets (the Key, a refresh token) are left to entrakit's prompt. */
export function instanceCommand(app: ProxyApp, id: string, token: string): string {
  const quote = (value: string) =>
    /^[A-Za-z0-9._:/@=+-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
  const name = `${app.appName}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  return [
    "entrakit instance add",
    quote(name),
    "--integration",
    quote(app.integration ?? app.appName),
    "--param self_deployed=false",
    `--vendor-app ${quote(app.appName)}`,
    `--param ${quote(`ID=${id}`)}`,
    ...(app.kind === "application" ? [`--param ${quote(`Token=${token}`)}`] : []),
  ].join(" ");
}
