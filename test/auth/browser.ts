/**
 * Test-only: a person in a browser, driving the emulator's plain HTML sign-in pages over HTTP (GET the
 * page, fill the form, POST it) until the identity platform redirects back to the app.
 */
import type { AuthHttp } from "../../src/auth/transport.ts";

export interface Person {
  login: string;
  password: string;
}

interface Page {
  url: string;
  status: number;
  html: string;
  location?: string;
}

async function load(http: AuthHttp, url: string, form?: URLSearchParams): Promise<Page> {
  const response = await http.send(
    form
      ? {
          method: "POST",
          url,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: form.toString(),
        }
      : { method: "GET", url },
  );
  const page: Page = { url, status: response.status, html: response.text };
  if (response.headers.location) page.location = new URL(response.headers.location, url).toString();
  return page;
}

/** The page's form: its absolute action and its hidden fields. */
function formOf(page: Page): { action: string; fields: URLSearchParams } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page.html);
  if (!form) throw new Error(`no form on the page (status ${page.status}): ${page.html.slice(0, 300)}`);
  const fields = new URLSearchParams();
  for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.set(decodeEntities(input[1]!), decodeEntities(input[2]!));
  }
  return { action: new URL(decodeEntities(form[1]!), page.url).toString(), fields };
}

async function submit(http: AuthHttp, page: Page, values: Record<string, string>): Promise<Page> {
  const { action, fields } = formOf(page);
  for (const [name, value] of Object.entries(values)) fields.set(name, value);
  return load(http, action, fields);
}

function decodeEntities(text: string): string {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/** Opens a login URL, signs in, accepts any consent prompt; resolves to where Entra redirects. */
export async function signInThroughBrowser(
  http: AuthHttp,
  loginUrl: string,
  person: Person,
  consent: "accept" | "cancel" = "accept",
): Promise<string> {
  let page = await load(http, loginUrl);
  for (let step = 0; step < 5 && !page.location; step++) {
    if (page.html.includes('name="passwd"')) {
      page = await submit(http, page, { login: person.login, passwd: person.password, action: "signin" });
    } else if (page.html.includes('value="accept"')) {
      page = await submit(http, page, { action: consent });
    } else {
      throw new Error(`unexpected page (status ${page.status}): ${page.html.slice(0, 400)}`);
    }
  }
  if (!page.location) throw new Error("the sign-in never redirected back");
  return page.location;
}

/** At the verification page: type the user code, sign in, approve (or decline) the device's request. */
export async function answerDeviceCode(
  http: AuthHttp,
  verificationUri: string,
  userCode: string,
  person: Person,
  decision: "accept" | "cancel" = "accept",
): Promise<string> {
  let page = await load(http, verificationUri);
  page = await submit(http, page, { otc: userCode, action: "code" });
  page = await submit(http, page, { login: person.login, passwd: person.password, action: "signin" });
  page = await submit(http, page, { action: decision });
  return page.html;
}
