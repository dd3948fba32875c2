#!/usr/bin/env node
// The only file that touches process.exitCode: run the built CLI and hand back its code.
import { run } from '../dist/cli/main.js';

process.exitCode = await run(process.argv.slice(2));
