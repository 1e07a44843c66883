// diagnose(): why open data does not decrypt, for logs and support (never
// the request path). Rust decides the finding (src/diagnose.rs, through the
// wx_diagnose export of src/abi_diagnose.rs, whose module docs give the
// header words read here); this module checks the arguments, writes them
// into the scratch buffer, and reads back the finding and the message Rust
// rendered (Diagnosis::message, the one renderer of the templates in
// src/vocabulary.json); tests/js/diagnose.test.mjs checks every cause
// through this file.
import vocabulary from '../../src/vocabulary.json';
import { WxOpenDataError, invalidArgument } from './errors.mjs';
import { MISSING_KEY_MESSAGE, missingKey, readOptions, seconds } from './api.mjs';
import { millis } from './options.mjs';
// wx_diagnose's header words (their meaning: src/abi_diagnose.rs) and
// numbers: src/abi.json, generated.
import {
  HEADER, ABSENT, NO_KEY, MAX_PREVIOUS_KEYS as MAX_PREVIOUS, DIAGNOSIS, FINDING_SHIFT,
} from './abi-constants.mjs';

const OPTION_KEYS = Object.freeze(vocabulary.options.diagnose.slice());

function string(value, what) {
  if (typeof value !== 'string') throw invalidArgument(`${what} must be a string`);
  return value;
}

/** options.previousSessionKeys: an array of at most 64 strings, read once. */
function previousKeys(list) {
  const what = `options.previousSessionKeys must be an array of at most ${MAX_PREVIOUS} strings`;
  try {
    if (!Array.isArray(list)) throw invalidArgument(what);
    const length = list.length;
    if (typeof length !== 'number' || length > MAX_PREVIOUS) throw invalidArgument(what);
    const keys = [];
    for (let i = 0; i < length; i++) {
      const key = list[i];
      if (typeof key !== 'string') throw invalidArgument(what);
      keys.push(key);
    }
    return keys;
  } catch (err) {
    // A throwing getter or proxy is an argument error, never an exception of its own.
    if (err instanceof WxOpenDataError) throw err;
    throw invalidArgument('options could not be read');
  }
}

export function createDiagnose(engine) {
  /** The finding in the header words and the message Rust rendered, as the public result object. */
  function finding(e) {
    const word = e.header(DIAGNOSIS.FINDING);
    const row = vocabulary.causes[word & 0xff];
    if (row === undefined) throw invalidArgument('unexpected engine result');
    const kindRow = vocabulary.kinds[((word >>> FINDING_SHIFT.KIND_SHIFT) & 0xff) - 1];
    const matched = word >>> FINDING_SHIFT.KEY_SHIFT;
    return {
      cause: row.code,
      message: e.textAt(DIAGNOSIS.MESSAGE_PTR, DIAGNOSIS.MESSAGE_LEN),
      kind: kindRow === undefined ? null : kindRow.kind,
      matchedPreviousKey: matched === NO_KEY ? null : matched,
    };
  }

  return function diagnose(sessionKey, encryptedData, iv, options) {
    // A missing session_key (the session store lost it) is a finding, not a
    // throw: diagnose() is called from catch blocks with whatever the request
    // had (tests/js/readme.test.mjs runs the README's one with none).
    if (missingKey(sessionKey)) return { cause: 'INVALID_INPUT', message: `${MISSING_KEY_MESSAGE}.`, kind: null, matchedPreviousKey: null };
    string(sessionKey, 'sessionKey');
    string(encryptedData, 'encryptedData');
    string(iv, 'iv');
    const values = readOptions(options, OPTION_KEYS, '{ previousSessionKeys, appId }');
    // rawData without signature (or the reverse) is passed on: it is a
    // finding about the input (INVALID_INPUT), not a type error.
    const optional = [
      values.rawData === undefined ? undefined : string(values.rawData, 'options.rawData'),
      values.signature === undefined ? undefined : string(values.signature, 'options.signature'),
      values.appId === undefined ? undefined : string(values.appId, 'options.appId'),
    ];
    const previous = values.previousSessionKeys === undefined ? [] : previousKeys(values.previousSessionKeys);
    const maxAge = values.maxAgeSeconds === undefined ? -1 : seconds(values.maxAgeSeconds, 'options.maxAgeSeconds');
    const nowMs = values.now === undefined ? Date.now() : millis(values.now, 'options.now');
    // The engine counts watermark time in unix seconds, as WeChat writes it.
    const now = Math.floor(nowMs / 1000);

    const e = engine();
    const strings = [sessionKey, iv, encryptedData];
    for (let i = 0; i < optional.length; i++) if (optional[i] !== undefined) strings.push(optional[i]);
    for (let i = 0; i < previous.length; i++) strings.push(previous[i]);
    // dataUnits 0: an oversized encryptedData is a finding (INVALID_INPUT),
    // not the INVALID_ENCRYPTED_DATA that wx_reserve throws for decryption:
    // diagnose explains, it does not refuse. 2 units (6 bytes) per previous key hold its u32 length.
    const lens = e.write(strings, 0, 2 * previous.length);
    let next = 3;
    const optionalLens = optional.map((text) => (text === undefined ? ABSENT : lens[next++]));
    let total = 0;
    for (let i = 0; i < lens.length; i++) total += lens[i];
    let previousLen = 0;
    const view = new DataView(e.wasm.memory.buffer);
    let at = e.wasm.wx_scratch() + HEADER + total;
    for (let i = next; i < lens.length; i++) {
      previousLen += lens[i];
      view.setUint32(at, lens[i], true);
      at += 4;
    }
    const status = e.wasm.wx_diagnose(
      lens[0], lens[1], lens[2], optionalLens[0], optionalLens[1], optionalLens[2],
      previousLen, previous.length, maxAge, now,
    );
    e.refresh();
    try {
      if (status !== 0) e.fail(status);
      return finding(e);
    } finally {
      e.wasm.wx_wipe();
    }
  };
}
