#!/usr/bin/env node
// byteor-edgeplane: byteor with the edgeplane plugin preloaded
process.env.BYTEOR_PROG = 'byteor-edgeplane';
process.env.BYTEOR_PRELOAD_PLUGINS = ['edgeplane', process.env.BYTEOR_PRELOAD_PLUGINS].filter(Boolean).join(',');
import('../dist/kernel/main.js').catch((e) => {
  process.stderr.write(
    `error[BYTEOR_E_NOT_BUILT]: cannot start byteor-edgeplane: ${e.message}; run "npm run build" first\n`,
  );
  process.exitCode = 1;
});
