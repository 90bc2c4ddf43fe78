// Jest globalSetup of the e2e layer: the black-box suites run the built server and web client
// (npm start, the browser test), so build once before them (a no-op when nothing changed).
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function buildOnce() {
  execFileSync(process.execPath, [join(__dirname, '../../scripts/build.mjs')], { stdio: 'inherit' });
};
