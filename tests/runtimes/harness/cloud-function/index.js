// A WeChat Cloud Base / Tencent SCF cloud function as users write one: its
// own directory, its own node_modules (the package installed from the npm
// tarball), `require('wx-open-data')` at load time, `exports.main`. ES2018
// only: Cloud Base still runs functions created with Node 10.15. Instead of
// decrypting a getPhoneNumber payload it runs the matrix's check body,
// checks.cjs (checks.mjs bundled by run.mjs with esbuild --format=cjs
// --target=node10), on the fixtures the event carries, and returns the
// summary as a cloud function returns its result.
'use strict';
const wx = require('wx-open-data');
const { runChecks } = require('./checks.cjs');

exports.main = async (event, context) => {
  if (typeof context !== 'object' || context === null) throw new Error('no context');
  return runChecks(Object.assign({}, wx), event.fixtures, { entry: 'node' });
};
