// `make demo`'s script, run as a user runs it: non-interactively (CI) it must
// print the phone number and the stale-key failure and exit 0; on a terminal
// it keeps serving the web page until Ctrl-C, then shuts down cleanly.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as wx from 'wx-open-data';

const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));

test('non-interactive: the flow, the phone, the failure (and diagnose\'s verdict when exported); exit 0', async () => {
  const child = spawn(process.execPath, [demo], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, out);
  assert.match(out, /Phone number: 13580006666/);
  assert.match(out, /-> 422 \{"error":"DECRYPT_FAILED"/);
  assert.match(out, /the same code again -> 400 \{"error":"INVALID_CODE"/);
  assert.match(out, /The web page .*: http:\/\/127\.0\.0\.1:\d+\//);
  if (typeof wx.diagnose === 'function') assert.match(out, /diagnose\(\): STALE_SESSION_KEY/);
  assert.doesNotMatch(out, /UNEXPECTED/);
  assert.doesNotMatch(out, /\x1b\[/, 'no colour codes when stdout is not a terminal');
});

const hasScript = (() => { try { execFileSync('sh', ['-c', 'command -v script'], { stdio: 'ignore' }); return true; } catch { return false; } })();

test('interactive (a pty via script(1)): serves the page until Ctrl-C, then exits 0 and frees the port', { skip: !hasScript && 'script(1) not installed' }, async () => {
  // script gives the demo a terminal; what we write to script's stdin is typed into it.
  // `exec`: without $SHELL (CI's environment) script runs the command with /bin/sh,
  // which is dash here; dash waits for node and then kills itself with the same
  // SIGINT (exit 130) even though the demo handled it and exited 0. With exec
  // node is script's child directly, whatever the shell.
  const child = spawn('script', ['-qfec', `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(demo)}`, '/dev/null'], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise((ok, fail) => {
    child.stdout.on('data', (c) => {
      out += c;
      const m = /The web page[^\n]*?(http:\/\/127\.0\.0\.1:\d+)\//.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m && out.includes('Serving until Ctrl-C')) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`demo exited ${code} before serving:\n${out}`)));
  });
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Get phone number/);
  // A real Ctrl-C: ^C typed into the terminal; the pty turns it into SIGINT for the demo.
  child.stdin.write('\x03');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, out);
  assert.match(out, /Shutting down\./);
  await assert.rejects(fetch(`${url}/`), 'the backend is closed');
});
