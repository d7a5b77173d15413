#!/usr/bin/env node
// Runs the compiled CLI when the package was built (an installed package), else the TypeScript sources
// directly (a checkout, where Node 24 strips the types).
import { existsSync } from "node:fs";
import module from "node:module";

// Node keeps the compiled code of every module (and, for .ts sources, the type-stripped text) in its
// compile cache (NODE_COMPILE_CACHE, default under the OS temp directory; NODE_DISABLE_COMPILE_CACHE=1
// turns it off): later runs skip parsing, compiling and stripping, which is most of the start-up time.
module.enableCompileCache?.();

const compiled = new URL("../dist/cli/main.js", import.meta.url);
const entry = existsSync(compiled) ? compiled : new URL("../src/cli/main.ts", import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
