"use strict";
/**
 * The CLI bundle's stand-in for undici's HTTP/2 client (scripts/build.ts). entrakit's transport never
 * offers h2 in ALPN (`allowH2` stays off), so undici never calls it; the real module loads `node:http2` as
 * soon as it is required, which costs every command start-up for nothing.
 */
module.exports = function connectH2() {
  throw new Error("entrakit's CLI bundle does not include HTTP/2; the transport does not enable it.");
};
