// The Mini Program's entry. apiBase: your backend (www-example/server/),
// which must be listed as a request domain in the Mini Program's settings.
App({
  globalData: {
    apiBase: 'https://your-backend.example.com',
  },
});
