// Invokes a cloud function the way the Cloud Base / SCF Node runtime does:
// require() its index.js (a cold start, where a load error surfaces), then
// await exports.main(event, context) and serialise the result as JSON.
//
//   node invoke-cloud-function.js <function dir> <event.json>
//
// prints `RESULT {json}`, or `LOADERROR {name, message}` (exit code 3) when
// the function cannot be loaded or main rejects. ES2018, CommonJS: Node
// 10.15 runs it (from a directory whose package.json has no "type").
'use strict';
const fs = require('fs');
const path = require('path');

const dir = path.resolve(process.argv[2]);
const event = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const context = {
  callbackWaitsForEmptyEventLoop: false,
  memory_limit_in_mb: 256,
  time_limit_in_ms: 3000,
  request_id: '00000000-0000-0000-0000-000000000000',
  environ: '',
  function_version: '$LATEST',
  function_name: 'wx-open-data-checks',
  namespace: 'default',
};

let fn;
try {
  fn = require(path.join(dir, 'index.js'));
} catch (e) {
  console.log('LOADERROR ' + JSON.stringify({ name: e && e.name, message: String(e && e.message || e) }));
  process.exit(3);
}
Promise.resolve()
  .then(() => fn.main(event, context))
  .then(
    (result) => console.log('RESULT ' + JSON.stringify(result)),
    (e) => {
      console.log('LOADERROR ' + JSON.stringify({ name: e && e.name, message: String(e && e.stack || e) }));
      process.exit(3);
    },
  );
