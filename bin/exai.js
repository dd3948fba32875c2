#!/usr/bin/env node
// The only file that touches process.exitCode: start the built CLI (dist/bundle, made by
// scripts/bundle.mjs) and hand back its code. CommonJS (see bin/package.json), so starting
// exai never spins up Node's ES module loader.
'use strict';
const path = require('node:path');

const BUNDLES = path.join(__dirname, '..', 'dist', 'bundle');

start();

function start() {
  let launch;
  try {
    launch = require(path.join(BUNDLES, 'launch.cjs'));
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes('launch.cjs')) throw error;
    process.stderr.write(`exai: not built (${path.join(BUNDLES, 'launch.cjs')} is missing)\nhint: run \`npm run build\` in ${path.dirname(__dirname)}\n`);
    process.exitCode = 1;
    return;
  }
  launch.start(BUNDLES, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
