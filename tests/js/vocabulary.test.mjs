// src/vocabulary.json is the single source of the package's closed
// vocabularies: error codes (with status, wxErrCode and message), diagnosis
// causes, data kinds and option keys. Every copy of them that a user meets is
// compared with it here, against the built package (pkg/, or WX_PKG_DIR):
// - the typings: WxOpenDataErrorCode, WeChatClientErrorCode, DiagnosisCause,
//   Diagnosis['kind'], and the keys of DecryptOptions and DiagnoseOptions, as
//   TypeScript resolves them from every published declaration file;
// - the option keys each entry accepts at run time (and names when it
//   refuses an unknown one), and the keys the CLI takes;
// - the errors: each entry raises every engine code from a real call (the
//   shared rows of support/error-rows.mjs), with the vocabulary's wxErrCode
//   and message; the WeChat client raises every client code against the
//   package's mock; WxOpenDataError and isWxOpenDataError know exactly the
//   vocabulary's codes.
// Rust has no copy: build.rs generates its codes, statuses and templates
// from the file; the README tables are checked by tests/js/readme.test.mjs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { entries, app, pkgDir } from './support/entries.mjs';
import { fixedCases } from './support/payloads.mjs';
import { errorRows } from './support/error-rows.mjs';

const require = createRequire(import.meta.url);
const vocabulary = require('../../src/vocabulary.json');
const ts = createRequire(new URL('../../tools/package.json', import.meta.url))('typescript');

const codes = (source) => vocabulary.errors.filter((row) => !source || row.source === source).map((row) => row.code);
const ROW = Object.fromEntries(vocabulary.errors.map((row) => [row.code, row]));
const sorted = (list) => [...list].sort((a, b) => String(a).localeCompare(String(b)));
const fixed = fixedCases();

describe('src/vocabulary.json is well-formed', () => {
  it('codes, statuses, causes and option keys are unique; engine rows have a status, client rows none', () => {
    for (const list of [codes(), vocabulary.causes.map((c) => c.code), vocabulary.kinds.map((k) => k.kind), vocabulary.options.decrypt, vocabulary.options.diagnose]) {
      assert.equal(new Set(list).size, list.length, `duplicates in ${list}`);
    }
    const statuses = vocabulary.errors.filter((row) => row.source === 'engine').map((row) => row.status);
    assert.deepEqual(statuses, statuses.map((_, i) => i + 1), 'engine statuses are 1, 2, ... in order (the wasm ABI returns them)');
    for (const row of vocabulary.errors) {
      assert.ok(['engine', 'client'].includes(row.source), row.code);
      if (row.source === 'client') assert.equal(row.status, null, row.code);
      assert.ok(row.wxErrCode === null || Number.isInteger(row.wxErrCode), row.code);
      assert.ok(row.message && row.handling, row.code);
    }
  });
});

/** What TypeScript makes of the typings each published declaration file gives a user. */
function typings() {
  const dir = app().dir;
  const probes = [
    ['import (node16)', 'probe-vocabulary.mts', 'wx-open-data', 'node16'],
    ['require (node16)', 'probe-vocabulary.cts', 'wx-open-data', 'node16'],
    ['wx-open-data/web (bundler)', 'probe-vocabulary-web.ts', 'wx-open-data/web', 'bundler'],
    ['wx-open-data without the node condition (bundler)', 'probe-vocabulary-bundler.ts', 'wx-open-data', 'bundler'],
  ];
  const settings = {
    node16: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
    bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
  };
  const results = [];
  const declarationFiles = new Set();
  for (const mode of Object.keys(settings)) {
    const mine = probes.filter((p) => p[3] === mode);
    for (const [, file, specifier] of mine) writeFileSync(join(dir, file), `export * as probe from '${specifier}';\n`);
    const program = ts.createProgram(mine.map((p) => join(dir, p[1])), {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], ...settings[mode],
    });
    const checker = program.getTypeChecker();
    for (const f of program.getSourceFiles()) {
      const real = realpathSync(f.fileName);
      if (real.startsWith(pkgDir + sep)) declarationFiles.add(real);
    }
    for (const [label, file] of mine) {
      const source = program.getSourceFile(join(dir, file));
      const module = checker.getSymbolAtLocation(source.statements[0].moduleSpecifier);
      assert.ok(module, `${label}: the package's typings do not resolve`);
      const exported = checker.getExportsOfModule(module);
      const symbol = (name) => {
        const found = exported.find((s) => s.name === name);
        assert.ok(found, `${label}: ${name} is not exported`);
        return found.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(found) : found;
      };
      const type = (name) => checker.getDeclaredTypeOfSymbol(symbol(name));
      const members = (t) => (t.isUnion() ? t.types : [t]).map((m) => {
        if (m.isStringLiteral()) return m.value;
        if (m.flags & ts.TypeFlags.Null) return null;
        return `<${checker.typeToString(m)}>`;
      });
      const keys = (name) => checker.getPropertiesOfType(type(name)).map((p) => p.name);
      const kind = checker.getPropertiesOfType(type('Diagnosis')).find((p) => p.name === 'kind');
      results.push({
        label,
        errorCodes: members(type('WxOpenDataErrorCode')),
        clientCodes: members(type('WeChatClientErrorCode')),
        causes: members(type('DiagnosisCause')),
        kinds: members(checker.getTypeOfSymbol(kind)),
        decryptKeys: keys('DecryptOptions'),
        diagnoseKeys: keys('DiagnoseOptions'),
      });
    }
  }
  return { results, declarationFiles };
}

describe('the published typings', () => {
  let seen;
  before(() => { seen = typings(); });

  it('every declaration file the package publishes for its entries is among those checked', () => {
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const published = manifest.files
      .filter((f) => /\.d\.(m|c)?ts$/.test(f) && !f.startsWith('mock/'))
      .map((f) => realpathSync(join(pkgDir, f)));
    const checked = [...seen.declarationFiles].filter((f) => !f.includes('/mock/'));
    assert.deepEqual(sorted(checked), sorted(published));
  });

  it('WxOpenDataErrorCode is exactly the vocabulary\'s codes; WeChatClientErrorCode its client codes', () => {
    for (const r of seen.results) {
      assert.deepEqual(sorted(r.errorCodes), sorted(codes()), r.label);
      assert.deepEqual(sorted(r.clientCodes), sorted(codes('client')), r.label);
    }
  });

  it('DiagnosisCause is exactly the vocabulary\'s causes; Diagnosis.kind its kinds or null', () => {
    for (const r of seen.results) {
      assert.deepEqual(sorted(r.causes), sorted(vocabulary.causes.map((c) => c.code)), r.label);
      assert.deepEqual(sorted(r.kinds), sorted([...vocabulary.kinds.map((k) => k.kind), null]), r.label);
    }
  });

  it('DecryptOptions and DiagnoseOptions declare exactly the vocabulary\'s option keys', () => {
    for (const r of seen.results) {
      assert.deepEqual(sorted(r.decryptKeys), sorted(vocabulary.options.decrypt), r.label);
      assert.deepEqual(sorted(r.diagnoseKeys), sorted(vocabulary.options.diagnose), r.label);
    }
  });
});

/** The error `fn` throws (fails if it returns). */
function caught(fn) {
  try { fn(); } catch (e) { return e; }
  return assert.fail('expected a throw');
}

for (const [label, load] of entries) {
  describe(`run time: ${label}`, () => {
    let api;
    before(async () => { api = await load(); });
    const { sessionKey: k, encryptedData: d, iv: v, expected } = fixed.phone;
    const ts = expected.watermark.timestamp;

    it('accepts each decrypt option key of the vocabulary, and names exactly those when refusing another', () => {
      const valid = { appId: fixed.appId, maxAgeSeconds: 300, now: (ts + 10) * 1000 };
      assert.deepEqual(sorted(Object.keys(valid)), sorted(vocabulary.options.decrypt), 'this test gives each key a value');
      for (const key of vocabulary.options.decrypt) {
        // An age check without `now` would read the clock: give it the test's.
        const options = key === 'maxAgeSeconds' ? { maxAgeSeconds: 300, now: valid.now } : { [key]: valid[key] };
        assert.deepEqual(api.decryptPhone(k, d, v, options), expected, key);
        assert.deepEqual(api.phoneInfoFromJson(JSON.stringify(expected), options), expected, key);
      }
      assert.deepEqual(api.decryptData(k, d, v, valid), expected);
      for (const call of [(o) => api.decryptPhone(k, d, v, o), (o) => api.decryptData(k, d, v, o), (o) => api.phoneInfoFromJson(JSON.stringify(expected), o)]) {
        const error = caught(() => call({ appid: fixed.appId }));
        assert.equal(error.code, 'INVALID_ARGUMENT');
        assert.ok(error.message.endsWith(`the known keys are ${vocabulary.options.decrypt.join(', ')}`), error.message);
      }
    });

    it('accepts each diagnose option key of the vocabulary, and names exactly those when refusing another', () => {
      const raw = '{"nickName":"x"}';
      const valid = {
        rawData: raw, signature: '0'.repeat(40), previousSessionKeys: [fixed.wrongKey],
        appId: fixed.appId, maxAgeSeconds: 300, now: (ts + 10) * 1000,
      };
      assert.deepEqual(sorted(Object.keys(valid)), sorted(vocabulary.options.diagnose), 'this test gives each key a value');
      // rawData and signature only go together.
      const groups = vocabulary.options.diagnose.map((key) => (key === 'rawData' || key === 'signature' ? ['rawData', 'signature'] : [key]));
      for (const group of groups) {
        const options = Object.fromEntries(group.map((key) => [key, valid[key]]));
        assert.ok(vocabulary.causes.some((c) => c.code === api.diagnose(k, d, v, options).cause), group.join('+'));
      }
      assert.equal(api.diagnose(k, d, v, { appId: fixed.appId, maxAgeSeconds: 300, now: (ts + 10) * 1000 }).cause, 'OK');
      const error = caught(() => api.diagnose(k, d, v, { appid: fixed.appId }));
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.ok(error.message.endsWith(`the known keys are ${vocabulary.options.diagnose.join(', ')}`), error.message);
    });

    it('raises every engine code from a real call, with the vocabulary\'s wxErrCode and message', () => {
      const rows = errorRows(fixed);
      for (const code of codes('engine')) {
        if (code === 'RANDOM_UNAVAILABLE') continue; // below: it needs globalThis.crypto hidden
        const mine = rows.filter((row) => row[2] === code);
        assert.ok(mine.length > 0, `no shared error row reaches ${code}`);
        for (const [name, call] of mine) {
          const error = caught(() => call(api));
          assert.ok(api.isWxOpenDataError(error), `${name}: ${error}`);
          assert.equal(error.code, code, `${name}: ${error.message}`);
          assert.equal(error.wxErrCode, ROW[code].wxErrCode, `${name}: wxErrCode`);
          assert.ok(error.message.startsWith(ROW[code].message), `${name}: message ${JSON.stringify(error.message)}`);
        }
      }
    });

    it('WxOpenDataError and isWxOpenDataError know exactly the vocabulary\'s codes', () => {
      for (const row of vocabulary.errors) {
        const made = new api.WxOpenDataError(row.code);
        assert.equal(made.message, row.message, row.code);
        assert.equal(made.wxErrCode, row.wxErrCode, row.code);
        assert.equal(api.isWxOpenDataError(Object.assign(new Error('x'), { name: 'WxOpenDataError', code: row.code })), true, row.code);
      }
      for (const other of ['OK', 'ILLEGAL_BUFFER', 'invalid_argument', 'TRUNCATED']) {
        assert.throws(() => new api.WxOpenDataError(other), TypeError, other);
        assert.equal(api.isWxOpenDataError(Object.assign(new Error('x'), { name: 'WxOpenDataError', code: other })), false, other);
      }
    });
  });
}

describe('run time: codes that need a particular setting', () => {
  it('RANDOM_UNAVAILABLE: encryptData on the web entry without globalThis.crypto', async () => {
    const web = await entries.find(([label]) => label.includes('web'))[1]();
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    delete globalThis.crypto;
    let error;
    try {
      error = caught(() => web.encryptData(fixed.phone.sessionKey, '{}'));
    } finally {
      Object.defineProperty(globalThis, 'crypto', saved);
    }
    assert.equal(error.code, 'RANDOM_UNAVAILABLE');
    assert.equal(error.wxErrCode, ROW.RANDOM_UNAVAILABLE.wxErrCode);
    assert.ok(error.message.startsWith(ROW.RANDOM_UNAVAILABLE.message), error.message);
  });

  describe('every client code, from WeChatClient against wx-open-data/mock', () => {
    const APP_ID = 'wx4f4bc4dec97d474b';
    const APP_SECRET = 'vocabulary-test-secret-0123456789';
    let mock, api, client;
    before(async () => {
      api = app().require('wx-open-data');
      mock = await app().require('wx-open-data/mock').startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET });
      client = new api.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, timeoutMs: 2000 });
    });
    after(() => mock && mock.close());

    /** One real call per client code. */
    const CALLS = {
      INVALID_CODE: async () => {
        const { code } = mock.client.login('vocabulary');
        await client.code2Session(code);
        return client.code2Session(code); // single-use: 40163
      },
      RATE_LIMITED: async () => {
        await client.getAccessToken();
        const fault = mock.fault('rateLimit', { path: '/wxa/business/getuserphonenumber', times: 1 });
        try { return await client.getPhoneNumber(mock.client.getPhoneNumber('vocabulary').code); } finally { fault.clear(); }
      },
      WECHAT_API_ERROR: async () => {
        mock.client.markRisky('risky');
        return client.code2Session(mock.client.login('risky').code); // 40226
      },
      WECHAT_UNAVAILABLE: async () => {
        const fault = mock.fault('http5xx', { path: '/sns/jscode2session', times: 1 });
        try { return await client.code2Session(mock.client.login('vocabulary').code); } finally { fault.clear(); }
      },
      STORE_UNAVAILABLE: async () => {
        const store = { get: async () => { throw new Error('redis is down'); }, set: async () => {}, delete: async () => {} };
        const viaToken = new api.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: mock.baseUrl, store, tokenEndpoint: 'token' });
        return viaToken.getAccessToken(); // /cgi-bin/token never bypasses the store
      },
      UNVERIFIED_REPLY: async () => {
        const secure = await app().require('wx-open-data/mock').startMockWeChat({ appId: APP_ID, appSecret: APP_SECRET, apiSecurity: true });
        try {
          const viaMode = new api.WeChatClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: secure.baseUrl, apiSecurity: secure.apiSecurity });
          secure.fault('tamperReply', { times: 1 }); // a ciphertext byte changed after WeChat signed the reply
          secure.client.login('vocabulary');
          return await viaMode.checkEncryptedData(secure.client.getPhoneNumber('vocabulary').encryptedData);
        } finally {
          await secure.close();
        }
      },
    };

    it('this test has a call for each client code of the vocabulary', () => {
      assert.deepEqual(sorted(Object.keys(CALLS)), sorted(codes('client')));
    });

    for (const code of codes('client')) {
      it(code, async () => {
        const error = await CALLS[code]().then(() => assert.fail(`expected ${code}`), (e) => e);
        assert.ok(api.isWxOpenDataError(error), String(error));
        assert.ok(error instanceof api.WxOpenDataError);
        assert.equal(error.code, code, error.message);
        assert.equal(error.wxErrCode, ROW[code].wxErrCode);
      });
    }
  });
});

describe('the CLI (bin/wx-open-data.cjs)', () => {
  const cli = join(pkgDir, 'bin', 'wx-open-data.cjs');
  const INPUTS = ['sessionKey', 'iv', 'encryptedData'];

  it('--help lists exactly the vocabulary\'s diagnose option keys besides the three inputs', () => {
    const help = execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    const fields = [...help.matchAll(/^ {2}--[a-z-]+ .*\((\w+)\)$/gm)].map((m) => m[1]);
    assert.deepEqual(sorted(fields.filter((f) => !INPUTS.includes(f))), sorted(vocabulary.options.diagnose));
    assert.deepEqual(sorted(fields.filter((f) => INPUTS.includes(f))), sorted(INPUTS));
  });

  it('takes every diagnose option key of the vocabulary on stdin, and refuses any other', () => {
    const { sessionKey, encryptedData, iv, expected } = fixed.phone;
    const ts = expected.watermark.timestamp;
    const options = {
      rawData: '{"nickName":"x"}', signature: '0'.repeat(40), previousSessionKeys: [fixed.wrongKey],
      appId: fixed.appId, maxAgeSeconds: 300, now: (ts + 10) * 1000,
    };
    assert.deepEqual(sorted(Object.keys(options)), sorted(vocabulary.options.diagnose), 'this test gives each key a value');
    const run = (input) => spawnSync(process.execPath, [cli, 'diagnose', '--json'], { input: JSON.stringify(input), encoding: 'utf8' });
    const ok = run({ sessionKey, encryptedData, iv, ...options });
    assert.ok(ok.status === 0 || ok.status === 1, ok.stderr);
    assert.ok(vocabulary.causes.some((c) => c.code === JSON.parse(ok.stdout).cause), ok.stdout);
    const refused = run({ sessionKey, encryptedData, iv, appid: fixed.appId });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /unknown field/);
  });
});
