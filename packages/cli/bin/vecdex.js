#!/usr/bin/env node
import { runCli } from '../dist/index.js';

// `vecdex ... | head` closes stdout early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv);
