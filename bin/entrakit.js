#!/usr/bin/env node
// Runs the compiled CLI when the package was built (an installed package), else the TypeScript sources
// directly (a checkout, where Node 24 strips the types).
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
const entry = existsSync(compiled) ? compiled : new URL("../src/cli/main.ts", import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
