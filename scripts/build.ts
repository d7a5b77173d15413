/**
 * `npm run build` (also run by `npm pack` through `prepack`): what an installed package runs, since Node does
 * not strip types inside node_modules.
 *   dist/        the library: every `src` module as JavaScript plus its `.d.ts` (tsc, tsconfig.build.json),
 *                which the package's `exports` point at;
 *   dist/bin/    the CLI as an esbuild bundle split per subcommand, which bin/entrakit.js runs in an
 *                installed package: a command loads a handful of files instead of ~340 modules, the main
 *                part of its start-up time (docs/benchmarks.md, "CLI cold start").
 * A checkout keeps running the TypeScript sources; `ENTRAKIT_DIST=1` makes bin/entrakit.js use the bundle.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { build, type Plugin } from "esbuild";

const root = new URL("..", import.meta.url).pathname;

/** `import("./run.ts")` in src/cli/main.ts: the subcommand modules. */
const SUBCOMMAND_IMPORT = /import\("\.\/([a-z-]+)\.ts"\)/g;

/**
 * Keeps main.ts's subcommand imports out of main.js: they load the sibling bundles at run time. Only its
 * `import()` calls are subcommands; what main.ts imports statically is bundled into main.js.
 */
const subcommandsApart: Plugin = {
  name: "subcommands-apart",
  setup(on) {
    on.onResolve({ filter: /^\.\/[a-z-]+\.ts$/ }, (args) =>
      args.kind === "dynamic-import" && args.importer.endsWith("/src/cli/main.ts")
        ? { path: args.path.replace(/\.ts$/, ".js"), external: true }
        : undefined,
    );
  },
};

/** undici's HTTP/2 client is never used (see scripts/undici-no-h2.cjs); a stand-in keeps node:http2 unloaded. */
const withoutHttp2: Plugin = {
  name: "undici-without-http2",
  setup(on) {
    on.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) =>
      args.importer.includes("/node_modules/undici/lib/dispatcher/")
        ? { path: `${root}scripts/undici-no-h2.cjs` }
        : undefined,
    );
  },
};
const dist = `${root}dist`;

export async function buildAll(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  // main.js holds commander and the subcommand table; each subcommand is one self-contained file that
  // main.js imports on demand, so a command line loads two files.
  const subcommands = [...readFileSync(`${root}src/cli/main.ts`, "utf8").matchAll(SUBCOMMAND_IMPORT)].map(
    (match) => match[1]!,
  );
  const common = {
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // Only the dispatcher and request API of undici (see scripts/undici-lite.cjs).
    alias: { undici: "./scripts/undici-lite.cjs" },
    // Bundled CommonJS packages call require() for Node's built-in modules.
    banner: {
      js: 'import { createRequire as __entrakitRequire } from "node:module"; const require = __entrakitRequire(import.meta.url);',
    },
    logLevel: "warning",
  } as const;
  await build({
    ...common,
    entryPoints: ["src/cli/main.ts"],
    outfile: "dist/bin/main.js",
    plugins: [subcommandsApart],
  });
  await build({
    ...common,
    entryPoints: subcommands.map((name) => `src/cli/${name}.ts`),
    outdir: "dist/bin",
    // Code shared by subcommands, and what they load lazily (ioredis, jose, x509), in chunks of its own.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    plugins: [withoutHttp2],
  });
}

if (import.meta.main) {
  await buildAll();
  process.stdout.write("build: dist/ (library + .d.ts) and dist/bin/ (CLI bundle)\n");
}
