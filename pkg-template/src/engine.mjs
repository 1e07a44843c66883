// The wasm engine behind the public functions: loads one of the two builds,
// writes arguments into the scratch buffer, makes one numeric call, and turns
// status words into WxOpenDataErrors. Every rule is decided in Rust
// (src/abi.rs); this file moves bytes and builds values.
import { WxOpenDataError, CODE_OF_STATUS, ERRORS } from './errors.mjs';
// The scratch header's words, flags and numbers: src/abi.json, generated.
import { HEADER, ABSENT, STATUS_SUB_SHIFT, SPAN_COUNT, FAILURE, OUTPUT, OPENED, SEALED_IV, FLAG } from './abi-constants.mjs';

/**
 * A module that uses one SIMD128 instruction (i8x16.swizzle, the one vpaes
 * is built on): `WebAssembly.validate` accepts it exactly where the SIMD
 * build can load. The runtime matrix (tests/runtimes/run.mjs) asserts the
 * build each engine picks: 'baseline' on Node 10.15-14.18, 'simd' from Node
 * 16.13 and on every other engine; tests/js/api.test.mjs forces the probe to
 * fail and expects the baseline.
 */
const V = [0xfd, 0x0c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
export const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x2a, 0x01, 0x28, 0x00, // code: one body of 40 bytes, no locals
  ...V, ...V, 0xfd, 0x0e, 0x0b, // v128.const, v128.const, i8x16.swizzle, end
]);

/** Whether this engine runs SIMD128 (so the SIMD build can be used). */
export function hasSimd() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch (_) {
    return false;
  }
}

/** The detail sentence of a status word, from src/vocabulary.json. */
function detailOf(code, sub, n) {
  const details = ERRORS[code].details;
  const text = details && details[String(sub)];
  return text === undefined ? '' : text.replace('{n}', String(n));
}

/**
 * UTF-8 in and out of wasm memory with the standard TextEncoder and
 * TextDecoder (the web entry; Node uses Buffer, see node.mjs).
 */
export function webCodec() {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return (memory) => {
    const bytes = new Uint8Array(memory);
    return {
      write: (string, at, max) => encoder.encodeInto(string, bytes.subarray(at, at + max)).written,
      read: (start, end) => decoder.decode(bytes.subarray(start, end)),
    };
  };
}

/**
 * Wraps an instantiated engine. `codecFor(arrayBuffer)` gives
 * `{ write(string, at, max) -> bytes written, read(start, end) -> string }`
 * (UTF-8) over wasm memory; `random(bytes)` fills a Uint8Array from the
 * host's CSPRNG (or throws).
 */
export function createEngine(instance, codecFor, random) {
  const wasm = instance.exports;
  let bytes = new Uint8Array(wasm.memory.buffer);
  let codec = codecFor(wasm.memory.buffer);
  let base = 0;

  /** The u32 header word `i` of the last call. */
  function header(i) {
    const at = base + 4 * i;
    return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  }

  /** Throws the WxOpenDataError of a nonzero status word. */
  function fail(status) {
    const code = CODE_OF_STATUS[status & 0xff];
    if (code === undefined) throw new WxOpenDataError('INVALID_ARGUMENT', 'invalid argument: unexpected engine status');
    const detail = detailOf(code, (status >>> STATUS_SUB_SHIFT) & 0xff, header(FAILURE.DETAIL));
    const message = ERRORS[code].message + detail;
    throw new WxOpenDataError(code, message);
  }

  /**
   * Makes room for `strings` (of which `dataUnits` UTF-16 units are
   * encryptedData) plus `extra` bytes, writes them in order after the header,
   * and returns their UTF-8 lengths.
   */
  function write(strings, dataUnits, extra) {
    let units = extra || 0;
    for (let i = 0; i < strings.length; i++) units += strings[i].length;
    const status = wasm.wx_reserve(units, dataUnits);
    if (status !== 0) {
      refresh();
      fail(status);
    }
    refresh();
    const lens = [];
    let at = base + HEADER;
    for (let i = 0; i < strings.length; i++) {
      // 3 bytes per UTF-16 unit is always enough (wx_reserve made room).
      const written = codec.write(strings[i], at, 3 * strings[i].length);
      lens.push(written);
      at += written;
    }
    return lens;
  }

  /** Views of memory are detached when it grows: look again. */
  function refresh() {
    base = wasm.wx_scratch();
    if (bytes.buffer !== wasm.memory.buffer) {
      bytes = new Uint8Array(wasm.memory.buffer);
      codec = codecFor(wasm.memory.buffer);
    }
  }

  /**
   * What wx_open / wx_check found: the text, whether countryCode is a
   * number, and for phone data in WeChat's exact form the spans of its five
   * values (FLAG.HAS_SPANS; SPAN_COUNT words from OPENED.SPANS, each
   * `start | len << 16`), from which the object is built without JSON.parse.
   */
  function opened(text) {
    const flags = header(OPENED.FLAGS);
    let spans = null;
    if (flags & FLAG.HAS_SPANS) {
      spans = [];
      for (let w = OPENED.SPANS; w < OPENED.SPANS + SPAN_COUNT; w++) {
        const word = header(w);
        spans.push((word & 0xffff), (word & 0xffff) + (word >>> 16));
      }
    }
    return { text, numericCountryCode: (flags & FLAG.NUMERIC_COUNTRY_CODE) !== 0, spans };
  }

  /** The UTF-8 text at header words (ptr, len). */
  function textAt(ptrWord, lenWord) {
    const ptr = header(ptrWord);
    return codec.read(ptr, ptr + header(lenWord));
  }

  return {
    /**
     * Decrypts with every rule; returns `{ text, numericCountryCode }`.
     * `checks`: `{ appId?: string, maxAgeSeconds?: number, now: number }`.
     */
    open(phone, sessionKey, encryptedData, iv, checks) {
      const strings = [sessionKey, iv, encryptedData];
      const hasAppId = checks.appId !== undefined;
      if (hasAppId) strings.push(checks.appId);
      const lens = write(strings, encryptedData.length, 0);
      const maxAge = checks.maxAgeSeconds === undefined ? -1 : checks.maxAgeSeconds;
      const status = wasm.wx_open(phone ? 1 : 0, lens[0], lens[1], lens[2], hasAppId ? lens[3] : ABSENT, maxAge, checks.now);
      refresh();
      if (status !== 0) fail(status);
      try {
        return opened(textAt(OUTPUT.OUT_PTR, OUTPUT.OUT_LEN));
      } finally {
        wasm.wx_wipe();
      }
    },

    /** The rules without decryption, for JSON from elsewhere: `{ text, numericCountryCode }`. */
    check(phone, json, checks) {
      const strings = [json];
      const hasAppId = checks.appId !== undefined;
      if (hasAppId) strings.push(checks.appId);
      const lens = write(strings, 0, 0);
      const maxAge = checks.maxAgeSeconds === undefined ? -1 : checks.maxAgeSeconds;
      const status = wasm.wx_check(phone ? 1 : 0, lens[0], hasAppId ? lens[1] : ABSENT, maxAge, checks.now);
      refresh();
      // Read the header before wx_wipe, which zeroes it with the inputs (a
      // numeric countryCode stayed a number: api.test.mjs, phoneInfoFromJson).
      try {
        if (status !== 0) fail(status);
        return opened(json);
      } finally {
        wasm.wx_wipe();
      }
    },

    /** encryptData: `{ encryptedData, iv }` for a plaintext string. */
    seal(sessionKey, plaintext) {
      const iv = new Uint8Array(16);
      random(iv);
      const lens = write([sessionKey], 0, 16 + 3 * plaintext.length + 16);
      let at = base + HEADER + lens[0];
      bytes.set(iv, at);
      iv.fill(0);
      at += 16;
      const plainLen = codec.write(plaintext, at, 3 * plaintext.length);
      const status = wasm.wx_seal(lens[0], plainLen);
      refresh();
      if (status !== 0) fail(status);
      try {
        return { encryptedData: textAt(OUTPUT.OUT_PTR, OUTPUT.OUT_LEN), iv: textAt(SEALED_IV.IV_PTR, SEALED_IV.IV_LEN) };
      } finally {
        wasm.wx_wipe();
      }
    },

    /** Whether `signature` is sha1(rawData + sessionKey) in hex. */
    verify(rawData, signature, sessionKey) {
      const lens = write([rawData, signature, sessionKey], 0, 0);
      try {
        return wasm.wx_verify(lens[0], lens[1], lens[2]) === 1;
      } finally {
        wasm.wx_wipe();
      }
    },

    /** Throws INVALID_SESSION_KEY unless `sessionKey` is base64 of 16 bytes. */
    checkKey(sessionKey) {
      const lens = write([sessionKey], 0, 0);
      const status = wasm.wx_check_key(lens[0]);
      refresh();
      // The detail word (the decoded length) is read before wx_wipe, as in check().
      try {
        if (status !== 0) fail(status);
      } finally {
        wasm.wx_wipe();
      }
    },

    // For modules built on the same ABI (diagnose): raw access.
    wasm,
    write,
    header,
    fail,
    refresh,
    textAt,
  };
}
