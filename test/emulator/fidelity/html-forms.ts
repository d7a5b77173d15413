/**
 * A browser-less user for the emulator's HTML pages: reads the forms a page shows, fills the visible
 * fields, presses a named button and follows redirects on the emulator's origin while keeping cookies,
 * exactly what a person's browser would send. No JavaScript is needed: the pages are plain forms.
 */
import assert from "node:assert/strict";

export interface HtmlForm {
  action: string;
  method: string;
  /** Inputs (hidden, text, password...) in document order with their current values. */
  fields: Array<{ name: string; value: string; type: string }>;
  /** Submit buttons (name/value pairs), in document order. */
  buttons: Array<{ name: string; value: string; label: string }>;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'" };

function decode(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith("#x") || entity.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const match of tag.matchAll(/([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    const name = match[1]!.toLowerCase();
    if (name === "form" || name === "input" || name === "button") continue;
    result[name] = decode(match[2] ?? match[3] ?? match[4] ?? "");
  }
  return result;
}

export function parseForms(html: string, pageUrl: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const formAttributes = attributes(match[1]!);
    const inner = match[2]!;
    const form: HtmlForm = {
      action: new URL(formAttributes.action || pageUrl, pageUrl).toString(),
      method: (formAttributes.method || "GET").toUpperCase(),
      fields: [],
      buttons: [],
    };
    for (const element of inner.matchAll(/<(input|button|textarea)\b([^>]*)>(?:([\s\S]*?)<\/\1>)?/gi)) {
      const kind = element[1]!.toLowerCase();
      const attrs = attributes(element[2]!);
      const type = (attrs.type ?? (kind === "button" ? "submit" : "text")).toLowerCase();
      if (type === "submit" || kind === "button") {
        if (attrs.name) {
          form.buttons.push({
            name: attrs.name,
            value: attrs.value ?? "",
            label: decode(element[3] ?? attrs.value ?? "").trim(),
          });
        } else {
          form.buttons.push({ name: "", value: "", label: decode(element[3] ?? attrs.value ?? "").trim() });
        }
        continue;
      }
      if (!attrs.name) continue;
      if ((type === "checkbox" || type === "radio") && !("checked" in attrs)) continue;
      form.fields.push({
        name: attrs.name,
        value: attrs.value ?? (kind === "textarea" ? decode(element[3] ?? "") : ""),
        type,
      });
    }
    forms.push(form);
  }
  return forms;
}

export interface PageResponse {
  url: string;
  status: number;
  location: string | undefined;
  body: string;
}

/** A cookie-keeping HTTP session that never follows redirects by itself. */
export class FormSession {
  readonly #cookies = new Map<string, string>();

  async request(url: string, init: { method?: string; body?: URLSearchParams } = {}): Promise<PageResponse> {
    const headers: Record<string, string> = {};
    if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (init.body) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await fetch(url, {
      method: init.method ?? "GET",
      headers,
      ...(init.body ? { body: init.body.toString() } : {}),
      redirect: "manual",
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair!.indexOf("=");
      if (eq > 0) this.#cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    const location = response.headers.get("location") ?? undefined;
    return {
      url,
      status: response.status,
      location: location === undefined ? undefined : new URL(location, url).toString(),
      body: await response.text(),
    };
  }

  /** Submit `form` with `values` overriding its fields, pressing the button whose name, value or label matches. */
  async submit(form: HtmlForm, values: Record<string, string>, button?: RegExp): Promise<PageResponse> {
    const body = new URLSearchParams();
    const filled = new Set<string>();
    for (const field of form.fields) {
      if (field.name in values) {
        if (!filled.has(field.name)) body.append(field.name, values[field.name]!);
        filled.add(field.name);
      } else {
        body.append(field.name, field.value);
      }
    }
    for (const [name, value] of Object.entries(values)) if (!filled.has(name)) body.append(name, value);
    if (button) {
      const pressed = form.buttons.find(
        (b) => button.test(b.name) || button.test(b.value) || button.test(b.label),
      );
      assert.ok(
        pressed,
        `no button matching ${button} in form to ${form.action}: ${JSON.stringify(form.buttons)}`,
      );
      if (pressed.name) body.append(pressed.name, pressed.value);
    }
    if (form.method === "GET") {
      const url = new URL(form.action);
      for (const [k, v] of body) url.searchParams.append(k, v);
      return this.request(url.toString());
    }
    return this.request(form.action, { method: "POST", body });
  }
}

export interface Person {
  userPrincipalName: string;
  password: string;
  /** What the device login page asks for first. */
  userCode?: string;
  /** Approve (default) or deny on consent/confirmation pages. */
  decision?: "approve" | "deny";
}

const APPROVE = /^(accept|approve|allow|yes|continue|next|sign ?in|submit|grant|confirm)/i;
const DENY = /^(deny|decline|cancel|no|reject)/i;

/**
 * Walk the emulator's pages as `person`, from `startUrl` until a redirect (or a form_post form) targets a
 * URL for which `isDone` is true; returns that URL with the form fields folded into its query for
 * form_post. With `endsOnPage`, a page without a form ends the walk and its HTML is returned. Fills user name, password and user code fields by type and name, presses approve or deny.
 */
export async function walkPages(
  session: FormSession,
  startUrl: string,
  person: Person,
  isDone: (url: string) => boolean,
  options: { endsOnPage?: boolean } = {},
): Promise<string> {
  let page = await session.request(startUrl);
  const seen: string[] = [];
  for (let step = 0; step < 12; step += 1) {
    seen.push(`${page.status} ${page.url}`);
    if (page.location) {
      if (isDone(page.location)) return page.location;
      page = await session.request(page.location);
      continue;
    }
    assert.equal(page.status, 200, `page ${page.url} answered ${page.status}: ${page.body.slice(0, 300)}`);
    const forms = parseForms(page.body, page.url);
    // Device login ends on a confirmation page with nothing left to submit.
    if (forms.length === 0 && options.endsOnPage) return page.body;
    assert.ok(
      forms.length > 0,
      `no form on ${page.url} (after ${seen.join(" → ")}): ${page.body.slice(0, 400)}`,
    );
    const form = forms.find((f) => isDone(f.action)) ?? forms[0]!;
    if (isDone(form.action)) {
      const url = new URL(form.action);
      for (const field of form.fields) url.searchParams.set(field.name, field.value);
      return url.toString();
    }
    const values: Record<string, string> = {};
    for (const field of form.fields) {
      if (field.type === "hidden") continue;
      if (field.type === "password") values[field.name] = person.password;
      else if (/code|otc/i.test(field.name) && person.userCode) values[field.name] = person.userCode;
      else if (/user|login|upn|email|name|account/i.test(field.name))
        values[field.name] = person.userPrincipalName;
    }
    const wanted = person.decision === "deny" ? DENY : APPROVE;
    const button = form.buttons.find(
      (b) => wanted.test(b.value) || wanted.test(b.label) || wanted.test(b.name),
    );
    page = await session.submit(
      form,
      values,
      button ? new RegExp(`^${escapeRegExp(button.value || button.label)}$`) : undefined,
    );
  }
  throw new Error(`walkPages: no end after ${seen.join(" → ")}`);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
