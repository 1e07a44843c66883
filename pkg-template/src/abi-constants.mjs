// Generated from src/abi.json by scripts/abi-constants.mjs; do not edit.
// tests/js/abi-constants.test.mjs fails when this differs from a fresh
// generation (BLESS=1 rewrites it).

export const HEADER = 40;
export const ABSENT = 4294967295;
export const MAX_PREVIOUS_KEYS = 64;
export const NO_KEY = 65535;
export const STATUS_SUB_SHIFT = 8;
export const SPAN_COUNT = 5;

/** Header words, one table per meaning (src/abi.json `words`). */
export const FAILURE = Object.freeze({ DETAIL: 3 });
export const OUTPUT = Object.freeze({ OUT_PTR: 0, OUT_LEN: 1 });
export const OPENED = Object.freeze({ FLAGS: 2, SPANS: 3 });
export const SEALED_IV = Object.freeze({ IV_PTR: 4, IV_LEN: 5 });
export const DIAGNOSIS = Object.freeze({ MESSAGE_PTR: 0, MESSAGE_LEN: 1, FINDING: 2 });

/** Bits of OPENED.FLAGS. */
export const FLAG = Object.freeze({ NUMERIC_COUNTRY_CODE: 1, HAS_SPANS: 2 });

/** How DIAGNOSIS.FINDING packs the kind and the matched key above the cause. */
export const FINDING_SHIFT = Object.freeze({ KIND_SHIFT: 8, KEY_SHIFT: 16 });

/** Detail numbers (the sub of a status word), by code. */
export const DETAILS = Object.freeze({
  INVALID_ARGUMENT: Object.freeze({ TOO_LARGE_TO_SEAL: 1, NOT_ENCRYPTED: 2, TOO_LARGE: 3 }),
  INVALID_SESSION_KEY: Object.freeze({ NOT_BASE64: 0, DECODES_TO: 1, MISSING: 2 }),
  INVALID_IV: Object.freeze({ NOT_BASE64: 0, DECODES_TO: 1 }),
  INVALID_ENCRYPTED_DATA: Object.freeze({ NOT_BASE64: 1, EMPTY: 2, NOT_BLOCK_ALIGNED: 3, TOO_LARGE: 4, URL_ENCODED: 5 }),
});
