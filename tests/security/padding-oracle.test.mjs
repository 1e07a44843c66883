// Short version of tests/security/padding-oracle.mjs: the Vaudenay attack on
// the last block of a phone payload, against the package (require and web
// entries) and against WeChat's official sample. In 0.2 the engine returns a
// status word and JS builds every engine error in one place
// (pkg-template/src/engine.mjs `fail`); a second throw site for bad padding or
// bad JSON (api.mjs `parse` is one, reached only if JSON.parse disagreed with
// the engine's scanner) would show in err.stack, which the last test compares.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { entries } from '../js/support/entries.mjs';
import { TARGETS, MUST_NOT_LEAK, REFERENCE, victim, attackBlock, genieCheck } from './padding-oracle.mjs';

const vic = victim(Buffer.alloc(16, 0x5a), Buffer.alloc(16, 0xa5));
const last = vic.ciphertext.length / 16 - 1;
const lastBlock = vic.ciphertext.subarray(last * 16);
const prevBlock = vic.ciphertext.subarray((last - 1) * 16, last * 16);

function attackLast(query) {
  return attackBlock(query, prevBlock, lastBlock);
}

describe('the probe works: node:crypto with its error surfacing is a padding oracle', () => {
  it('recovers the last block exactly', () => {
    const r = attackLast(TARGETS[REFERENCE](vic, null, {}));
    assert.equal(r.recovered, 16);
    assert.deepEqual(r.plaintext, vic.padded.subarray(last * 16));
    assert.ok(r.distinctAtFirstByte >= 2); // bad decrypt, SyntaxError for …01 (and for the block's own padding)
  });
  it('the genie check sees the padding at every position', () => {
    assert.equal(genieCheck(TARGETS[REFERENCE](vic, null, { stack: false }), vic, last).leakyPositions, 16);
  });
});

describe('the official sample, as published, hides padding behind "Illegal Buffer"', () => {
  it('recovers nothing through anything its caller can observe', () => {
    const r = attackLast(TARGETS['official sample, as published'](vic, null, { stack: true }));
    assert.equal(r.recovered, 0);
    assert.equal(r.distinctAtFirstByte, 1);
    assert.equal(genieCheck(TARGETS['official sample, as published'](vic, null, { stack: true }), vic, last).leakyPositions, 0);
  });
});

for (const [label, load] of [entries[0], entries[2]]) {
  describe(`ours (${label}) gives the probe nothing`, () => {
    let api;
    before(async () => { api = await load(); });
    for (const name of MUST_NOT_LEAK.filter((n) => n.startsWith('ours'))) {
      it(`${name}: every guess looks the same, 0 bytes recovered`, () => {
        const r = attackLast(TARGETS[name](vic, api, { stack: true }));
        assert.equal(r.recovered, 0);
        assert.equal(r.distinctAtFirstByte, 1);
      });
      it(`${name}: even a genie sees one outcome (message, name, class, code, wxErrCode, props)`, () => {
        const g = genieCheck(TARGETS[name](vic, api, { stack: false }), vic, last);
        assert.equal(g.leakyPositions, 0);
        assert.equal(g.outcomes.length, 1);
        const outcome = JSON.parse(g.outcomes[0]);
        assert.equal(outcome.props.code, 'DECRYPT_FAILED');
        assert.equal(outcome.ctor, 'WxOpenDataError');
      });
      it(`${name}: err.stack is the same for bad padding and bad JSON`, () => {
        const g = genieCheck(TARGETS[name](vic, api, { stack: true }), vic, last);
        assert.equal(g.leakyPositions, 0);
      });
    }
  });
}
