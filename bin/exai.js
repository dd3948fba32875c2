#!/usr/bin/env node
// The only file that touches process.exitCode: start the built CLI (dist/bundle, made by
// scripts/bundle.mjs) and hand back its code. CommonJS (see bin/package.json), so starting
// exai never spins up Node's ES module loader.
'use strict';
const path = require('node:path');
const { start } = require('../dist/bundle/launch.cjs');

start(path.join(__dirname, '..', 'dist', 'bundle'), process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
