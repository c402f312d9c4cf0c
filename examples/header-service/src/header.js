// The LOCAL header's module: proves the script came from your machine, and shows hot module
// replacement through mfe-dev. Edit BUILD_NOTE while `npm run demo` runs: the note in the page
// changes at once, without a page reload (the module accepts its own updates).
const BUILD_NOTE = 'local build: edit examples/header-service/src/header.js';

const header = document.querySelector('header[data-fragment="header"]');
if (header) {
  header.dataset.hydrated = 'local';
  const note = header.querySelector('[data-build-note]');
  if (note) note.textContent = BUILD_NOTE;
}
console.info('[header] running the LOCAL build from the header service');

if (import.meta.hot) import.meta.hot.accept();
