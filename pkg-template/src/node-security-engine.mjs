// The Node builds' security-engine.mjs (scripts/assemble-pkg.mjs puts it in
// place of that module in the Node entry, its client chunk and the mock):
// the engine's code ships once, in node/security.cjs, a function of the
// errors module it shares with its importer (one WxOpenDataError class, as
// node-client.mjs does for the client). It loads on the first call only:
// decryption and a client without apiSecurity never read it
// (tests/js/lazy-load.test.mjs). Node 10 has no dynamic import(), so the
// chunk comes in by require(), which bundlers follow like any other.
import * as errors from './errors.mjs';

let chunk;

/** See security-engine.mjs. */
export function loadSecurityEngine() {
  if (chunk === undefined) chunk = SECURITY_CHUNK({ errors });
  return chunk.loadSecurityEngine();
}

