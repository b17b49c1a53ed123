#!/usr/bin/env node
// byteor: the byteor operator CLI
process.env.BYTEOR_PROG = 'byteor';

import('../dist/kernel/main.js').catch((e) => {
  process.stderr.write(`error[BYTEOR_E_NOT_BUILT]: cannot start byteor: ${e.message}; run "npm run build" first\n`);
  process.exitCode = 1;
});
