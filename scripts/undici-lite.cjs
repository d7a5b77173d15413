"use strict";
/**
 * What the CLI bundle takes from undici, and nothing else. `src/http` imports `Agent`, `ProxyAgent` and
 * `request` from "undici", whose index also loads fetch, WebSocket, cookies, caches and mocks (two thirds
 * of the bytes a `run` loads). scripts/build.ts maps "undici" to this file for the bundle only; the
 * TypeScript sources, the tests and the library build keep the real entry point. `request` is undici's
 * own `makeDispatcher(api.request)` for the case src/http/client.ts uses: an absolute URL plus options.
 * The paths are undici's file layout at the locked version; the build fails loudly if they move.
 */
const Dispatcher = require("../node_modules/undici/lib/dispatcher/dispatcher.js");
const Agent = require("../node_modules/undici/lib/dispatcher/agent.js");
const ProxyAgent = require("../node_modules/undici/lib/dispatcher/proxy-agent.js");
const api = require("../node_modules/undici/lib/api/index.js");
const util = require("../node_modules/undici/lib/core/util.js");
const { InvalidArgumentError } = require("../node_modules/undici/lib/core/errors.js");
const { getGlobalDispatcher } = require("../node_modules/undici/lib/global.js");

// undici's index mixes the request API into every dispatcher; so does this.
Object.assign(Dispatcher.prototype, api);

function request(url, opts) {
  if (opts != null && typeof opts !== "object") throw new InvalidArgumentError("invalid opts");
  const parsed = util.parseURL(url);
  const options = opts ?? {};
  const { dispatcher = getGlobalDispatcher() } = options;
  return api.request.call(dispatcher, {
    ...options,
    origin: parsed.origin,
    path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname,
    method: options.method || (options.body ? "PUT" : "GET"),
  });
}

module.exports = { Agent, Dispatcher, ProxyAgent, request };
