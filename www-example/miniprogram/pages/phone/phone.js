// The getPhoneNumber page, done the way the WeChat document asks:
//   1. wx.login when the page loads, BEFORE any tap; the backend exchanges the
//      code for a session_key and keeps it, we keep only an opaque token.
//   2. In the getPhoneNumber callback: wx.checkSession, never wx.login. If the
//      login state is still valid, the session_key WeChat encrypted with is the
//      one the backend holds. If not, log in again and ask for another tap
//      (the data in hand was sealed with a key the backend no longer has).
//   3. encryptedData and iv travel as a JSON body (content-type
//      application/json), so base64's '+' is never turned into a space.
// A page built with Component() (supported since base library 1.6.3), so that
// the same file runs in miniprogram-simulate for the tests.

function apiBase() {
  return getApp().globalData.apiBase;
}

function postJson(path, data) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${apiBase()}${path}`,
      method: 'POST',
      header: { 'content-type': 'application/json' },
      data,
      success: (res) => resolve(res),
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });
}

Component({
  data: {
    ready: false,
    statusText: 'Logging in…',
    phoneNumber: '',
    error: '',
  },

  methods: {
    onLoad() {
      this.login();
    },

    // wx.login + POST /api/login. Resolves true when the backend has the new session_key.
    login() {
      return new Promise((resolve) => {
        wx.login({
          success: ({ code }) => {
            postJson('/api/login', { code })
              .then((res) => {
                if (res.statusCode !== 200) throw new Error(res.data && res.data.error);
                this.token = res.data.token;
                this.setData({ ready: true, statusText: 'Logged in. Tap to share your phone number.' });
                resolve(true);
              })
              .catch((err) => {
                this.setData({ ready: false, statusText: `Login failed: ${err.message}` });
                resolve(false);
              });
          },
          fail: (err) => {
            this.setData({ ready: false, statusText: `wx.login failed: ${err.errMsg}` });
            resolve(false);
          },
        });
      });
    },

    // bindgetphonenumber: e.detail = {errMsg, encryptedData, iv, cloudID, code}
    getPhoneNumber(e) {
      const { encryptedData, iv, errMsg } = e.detail || {};
      if (!encryptedData || !iv) {
        // The user declined ("getPhoneNumber:fail user deny") or the app lacks the permission.
        this.setData({ phoneNumber: '', error: `Not shared (${errMsg || 'no data'})` });
        return;
      }
      this.setData({ error: '', statusText: 'Checking the login state…' });
      wx.checkSession({
        success: () => this.sendPhone(encryptedData, iv),
        fail: () => {
          // Expired: WeChat will issue a new session_key; this data is sealed with the old one.
          this.login().then(() => this.setData({ error: 'Your session expired. Please tap again.' }));
        },
      });
    },

    sendPhone(encryptedData, iv) {
      return postJson('/api/phone', { token: this.token, encryptedData, iv })
        .then((res) => {
          if (res.statusCode === 200) {
            this.setData({ phoneNumber: res.data.phoneNumber, error: '', statusText: 'Done.' });
          } else {
            this.setData({ phoneNumber: '', error: `${res.data.error}: ${res.data.message}`, statusText: 'Failed.' });
          }
        })
        .catch((err) => this.setData({ error: `Network error: ${err.message}`, statusText: 'Failed.' }));
    },
  },
});
