// Tests are compiled by `node build.mjs --tests` into $KS_OUT/build (default ./build), so that
// several builds can live side by side while developing.
const out = process.env.KS_OUT ?? '.';
export default {
  files: [`${out}/build/test/**/*.test.js`],
  // AVA fails the run when no test finishes for this long: wire/ttl-rewrite's first test alone
  // takes ~25 s of CPU, and a loaded machine ran it past 2 minutes with nothing else left to run.
  timeout: '5m',
  workerThreads: false,
};
