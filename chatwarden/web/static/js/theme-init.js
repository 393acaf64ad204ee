// The colour theme, applied before first paint. A classic (not module) script loaded from the
// page's <head>: it blocks rendering for one tiny cached file, which is what keeps a dark-mode
// user from seeing a white flash; the CSP forbids the usual inline snippet. js/theme.js owns
// the same storage key and the picker; keep the two in step.
(function () {
  try {
    var theme = window.localStorage.getItem("cw-theme");
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  } catch (e) {
    // storage disabled: follow the system
  }
})();
