// Tests are compiled by `node build.mjs --tests` into $KS_OUT/build (default ./build), so that
// several builds can live side by side while developing.
const out = process.env.KS_OUT ?? '.';
export default {
  files: [`${out}/build/test/**/*.test.js`],
  timeout: '2m',
  workerThreads: false,
};
