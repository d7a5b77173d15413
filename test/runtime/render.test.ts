import assert from "node:assert/strict";
import { test } from "node:test";
import { pascalToSpace, renderTerminal, shouldUseColor, tableToMarkdown } from "../../src/runtime/render.ts";
import { toJsonEntry } from "../../src/runtime/result.ts";

const USER_COLUMNS = [
  "id",
  "userDisplayName",
  "userPrincipalName",
  "riskLevel",
  "riskState",
  "riskDetail",
  "riskLastUpdatedDateTime",
];

test("pascalToSpace gives the reference's headers", () => {
  assert.deepEqual(USER_COLUMNS.map(pascalToSpace), [
    "Id",
    "User Display Name",
    "User Principal Name",
    "Risk Level",
    "Risk State",
    "Risk Detail",
    "Risk Last Updated Date Time",
  ]);
  assert.equal(pascalToSpace("ipAddress"), "Ip Address");
  assert.equal(pascalToSpace("sourceIPAddress"), "Source IP Address");
  assert.equal(pascalToSpace("ID"), "ID");
});

test("a titled table in the given column order, with removeNull dropping all-empty columns", () => {
  const rows = [
    {
      id: "1",
      userDisplayName: "Alice",
      userPrincipalName: "alice@contoso.com",
      riskLevel: "high",
      riskState: "atRisk",
      riskDetail: "",
      riskLastUpdatedDateTime: "2024-02-27T04:49:26Z",
      isDeleted: false,
    },
    {
      id: "2",
      userDisplayName: "Bob",
      userPrincipalName: "bob@contoso.com",
      riskLevel: "low",
      riskState: "remediated",
      riskDetail: null,
      riskLastUpdatedDateTime: "2024-02-28T00:00:00Z",
    },
  ];
  const markdown = tableToMarkdown("Risky Users List:", rows, {
    headers: USER_COLUMNS,
    headerTransform: pascalToSpace,
    removeNull: true,
  });
  assert.equal(
    markdown,
    "### Risky Users List:\n" +
      "|Id|User Display Name|User Principal Name|Risk Level|Risk State|Risk Last Updated Date Time|\n" +
      "|---|---|---|---|---|---|\n" +
      "| 1 | Alice | alice@contoso.com | high | atRisk | 2024-02-27T04:49:26Z |\n" +
      "| 2 | Bob | bob@contoso.com | low | remediated | 2024-02-28T00:00:00Z |\n",
  );
});

test("without removeNull, empty columns stay and missing cells are blank; duplicate headers repeat", () => {
  const markdown = tableToMarkdown("T", [{ id: "1", riskDetail: "none" }], {
    headers: ["id", "riskDetail", "ipAddress", "riskDetail"],
    headerTransform: pascalToSpace,
  });
  assert.equal(
    markdown,
    "### T\n|Id|Risk Detail|Ip Address|Risk Detail|\n|---|---|---|---|\n| 1 | none |  | none |\n",
  );
});

test("no rows: the title then **No entries.**", () => {
  assert.equal(tableToMarkdown("Risky Users List:", []), "### Risky Users List:\n**No entries.**\n");
  assert.equal(tableToMarkdown("Multi\nline title", null), "### Multi\nline title\n**No entries.**\n");
  assert.equal(tableToMarkdown("T", [{ a: "" }], { removeNull: true }), "### T\n**No entries.**\n");
});

test("objects render as key: value lines, nested objects as inline JSON, lists joined; | and ` escaped", () => {
  const detection = {
    id: "d1",
    location: {
      city: "Seattle",
      state: "Washington",
      countryOrRegion: "US",
      geoCoordinates: { latitude: 47.6, longitude: -122.1 },
    },
    tags: ["a", "b"],
    note: "pipe | and `tick`\nnext line",
    score: 7,
    flag: true,
  };
  assert.equal(
    tableToMarkdown("Found Risk Detection with ID: d1", detection, {
      headers: ["id", "location", "tags", "note", "score", "flag"],
    }),
    "### Found Risk Detection with ID: d1\n" +
      "|id|location|tags|note|score|flag|\n" +
      "|---|---|---|---|---|---|\n" +
      '| d1 | city: Seattle<br>state: Washington<br>countryOrRegion: US<br>geoCoordinates: {"latitude": 47.6, "longitude": -122.1} | a,<br>b | pipe \\| and \\`tick\\`<br>next line | 7 | true |\n',
  );
});

test("no headers: the first row's keys sorted; a single-key object becomes a one-column table", () => {
  assert.equal(tableToMarkdown("", [{ b: 2, a: 1 }]), "|a|b|\n|---|---|\n| 1 | 2 |\n");
  assert.equal(
    tableToMarkdown(
      "Risky Users List Token:",
      { next_token: "https://g/x?$skiptoken=1" },
      { headers: ["next_token"] },
    ),
    "### Risky Users List Token:\n|next_token|\n|---|\n| https://g/x?$skiptoken=1 |\n",
  );
  assert.equal(
    tableToMarkdown("Ids", ["x", "y"], { headers: ["id"] }),
    "### Ids\n|id|\n|---|\n| x |\n| y |\n",
  );
});

test("the terminal renderer aligns columns, splits <br> cells into lines, and honours colour", () => {
  const markdown = tableToMarkdown(
    "Users",
    [
      { id: "1", name: "Alice", note: "a|b" },
      { id: "22", name: "Bo", note: "x\ny" },
    ],
    { headers: ["id", "name", "note"] },
  );
  assert.equal(
    renderTerminal(markdown, { color: false }),
    "Users\n" +
      "id  name   note\n" +
      "--  -----  ----\n" +
      "1   Alice  a|b\n" +
      "22  Bo     x\n" +
      "           y\n",
  );
  const colored = renderTerminal(markdown, { color: true });
  assert.ok(colored.startsWith("\x1b[1mUsers\x1b[22m\n\x1b[1mid  name   note\x1b[22m"));
  assert.equal(renderTerminal("**No entries.**\n", { color: false }), "No entries.\n");
  assert.equal(
    renderTerminal(
      "1. open [https://microsoft.com/devicelogin](https://microsoft.com/devicelogin) code **ABC**",
      { color: false },
    ),
    "1. open https://microsoft.com/devicelogin code ABC\n",
  );
});

test("the terminal renderer shrinks the widest column to fit a width", () => {
  const markdown = tableToMarkdown("", [{ a: "x".repeat(30), b: "short" }], { headers: ["a", "b"] });
  const out = renderTerminal(markdown, { color: false, width: 20 });
  for (const line of out.trimEnd().split("\n")) assert.ok(line.length <= 20, line);
  assert.match(out, /x{12}… {2}short/);
});

test("NO_COLOR turns colour off; a TTY turns it on otherwise", () => {
  assert.equal(shouldUseColor({}, true), true);
  assert.equal(shouldUseColor({}, false), false);
  assert.equal(shouldUseColor({ NO_COLOR: "1" }, true), false);
  assert.equal(shouldUseColor({ NO_COLOR: "" }, true), true);
  assert.equal(shouldUseColor({ FORCE_COLOR: "1" }, false), true);
});

test("the JSON entry shape", () => {
  assert.deepEqual(
    toJsonEntry({
      readable: "r",
      outputs: { prefix: "AzureRiskyUsers.RiskyUser", key: "id", data: [{ id: "1" }] },
      raw: { value: [] },
    }),
    {
      readable: "r",
      outputs: { prefix: "AzureRiskyUsers.RiskyUser", key: "id", data: [{ id: "1" }] },
      contextKey: "AzureRiskyUsers.RiskyUser(val.id && val.id == obj.id)",
      raw: { value: [] },
    },
  );
  assert.deepEqual(toJsonEntry({ readable: "ok" }), {
    readable: "ok",
    outputs: null,
    contextKey: null,
    raw: null,
  });
  assert.equal(
    toJsonEntry({
      readable: "",
      outputs: { prefix: "AzureRiskyUsers", data: { RiskyUserListNextToken: "u" } },
    }).contextKey,
    "AzureRiskyUsers(true)",
  );
});
