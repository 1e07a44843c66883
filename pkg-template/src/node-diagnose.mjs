// The Node entry's diagnose(), whose code (diagnose.mjs) is compiled on its
// first call only: scripts/assemble-pkg.mjs builds the Node entry with this
// module in place of the diagnose.mjs that api.mjs imports, and bundles
// diagnose.mjs into node/diagnose.cjs, a function of the modules shared with
// the entry (see node-client.mjs). tests/js/lazy-load.test.mjs checks that
// decryption and encryptData never load it and that diagnose() does.
import vocabulary from '../../src/vocabulary.json';
import * as errors from './errors.mjs';
import * as rules from './rules.mjs';
import * as options from './options.mjs';
import * as api from './api.mjs';

export function createDiagnose(tools) {
  let run;
  return function diagnose(...args) {
    if (run === undefined) run = require('./diagnose.cjs')({ vocabulary, errors, rules, options, api }).createDiagnose(tools);
    return run(...args);
  };
}
