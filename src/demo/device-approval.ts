/**
 * What a person does in a browser after `auth-start`: open the verification page, type the code, sign in,
 * approve. The demo sends the same form posts the emulator's pages make a browser send, so it needs no
 * browser. Each page is checked for what a person would look for before going on.
 */
import { EntrakitError } from "../errors.ts";
import type { HttpClient } from "../http/client.ts";

export interface Approver {
  login: string;
  password: string;
}

/** One page the "browser" went through, for the narration. */
export interface PageVisit {
  did: string;
  saw: string;
}

/** The code and page a person reads in `auth-start`'s instructions. */
export function readInstructions(markdown: string): { userCode: string; verificationUri: string } {
  const code = /enter the code \*\*([A-Z0-9-]+)\*\*/.exec(markdown)?.[1];
  const uri = /open the page \[([^\]]+)\]/.exec(markdown)?.[1];
  if (!code || !uri) {
    throw new EntrakitError("internal", "The device-code instructions show no code or page to open.");
  }
  return { userCode: code, verificationUri: uri };
}

function hiddenField(html: string, name: string): string | undefined {
  return new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

/** The page's alert text, if it shows one (a wrong code, a wrong password). */
function pageError(html: string): string | undefined {
  return /<p class="error"[^>]*>([^<]*)<\/p>/.exec(html)?.[1];
}

function pageTitle(html: string): string {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "(untitled)";
}

async function post(http: HttpClient, url: string, fields: Record<string, string>): Promise<string> {
  const response = await http.send({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    retry: false,
  });
  if (response.status !== 200) {
    throw new EntrakitError("internal", `The device login page answered HTTP ${response.status}.`);
  }
  return response.text;
}

function stuck(step: string, html: string): EntrakitError {
  return new EntrakitError(
    "internal",
    `Device login stopped at ${step}: ${pageError(html) ?? pageTitle(html)}.`,
  );
}

/** Enters the code, signs in and approves; resolves to the pages seen, or throws at the page that refused. */
export async function approveDeviceCode(
  http: HttpClient,
  instructions: { userCode: string; verificationUri: string },
  approver: Approver,
): Promise<PageVisit[]> {
  const url = instructions.verificationUri;
  const visits: PageVisit[] = [];
  const signInPage = await post(http, url, { otc: instructions.userCode, action: "code" });
  let interaction = hiddenField(signInPage, "interaction");
  if (!interaction) throw stuck("the code entry", signInPage);
  visits.push({ did: `entered the code ${instructions.userCode}`, saw: "the sign-in form" });

  let page = await post(http, url, {
    interaction,
    login: approver.login,
    passwd: approver.password,
    action: "signin",
  });
  interaction = hiddenField(page, "interaction");
  if (!interaction) throw stuck("the sign-in", page);
  visits.push({ did: `signed in as ${approver.login}`, saw: pageTitle(page) });

  page = await post(http, url, { interaction, action: "accept" });
  if (!/You have signed in/.test(page)) throw stuck("the approval", page);
  visits.push({ did: "pressed Continue", saw: "You have signed in to the application on your device." });
  return visits;
}
