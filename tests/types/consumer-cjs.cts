// The require side of the Node entry's typings (index.d.ts through the
// exports map's require condition), compiled by scripts/test-types.sh with
// node16 resolution. The class is the one `import` gets (consumer.ts).
import wx = require('wx-open-data');

export function usage(sessionKey: string, encryptedData: string, iv: string): string {
  const phone: wx.PhoneInfo = wx.decryptPhone(sessionKey, encryptedData, iv, { appId: 'wx4f4bc4dec97d474b' });
  const again: wx.PhoneInfo = wx.phoneInfoFromJson(JSON.stringify(phone));
  const build: 'simd' | 'baseline' = wx.engineBuild();
  wx.initSync();
  try {
    new wx.WXBizDataCrypt('wx4f4bc4dec97d474b', sessionKey).decryptData(encryptedData, iv);
  } catch (err) {
    if (err instanceof wx.WxOpenDataError) return `${err.code} ${err.wxErrCode} ${err.errcode} ${err.rid}`;
  }
  // @ts-expect-error: no default export (the module is its named exports)
  wx.default;
  // @ts-expect-error: countryCode is always a string
  const n: number = phone.countryCode;
  return [again.countryCode, build, n].join();
}
