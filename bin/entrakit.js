#!/usr/bin/env node
// Runs the CLI bundle (dist/bin, built by `npm run build`) in an installed package, where Node will not
// strip the types of the TypeScript sources; a checkout runs the sources, so an edit never meets a stale
// bundle. ENTRAKIT_DIST=1 runs the bundle from a checkout too (benchmarks), ENTRAKIT_DIST=0 never does.
import { existsSync } from "node:fs";
import module from "node:module";

// Node keeps the compiled code of every module (and, for .ts sources, the type-stripped text) in its
// compile cache (NODE_COMPILE_CACHE, default under the OS temp directory; NODE_DISABLE_COMPILE_CACHE=1
// turns it off): later runs skip parsing, compiling and stripping, which is most of the start-up time.
module.enableCompileCache?.();

const bundle = new URL("../dist/bin/main.js", import.meta.url);
const installed = import.meta.url.includes("/node_modules/");
const wanted = process.env.ENTRAKIT_DIST;
const useBundle = wanted === "0" ? false : (installed || wanted === "1") && existsSync(bundle);
const entry = useBundle ? bundle : new URL("../src/cli/main.ts", import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
