#!/usr/bin/env node
// byteor-dataguard: byteor with the dataguard plugin preloaded
process.env.BYTEOR_PROG = 'byteor-dataguard';
process.env.BYTEOR_PRELOAD_PLUGINS = ['dataguard', process.env.BYTEOR_PRELOAD_PLUGINS].filter(Boolean).join(',');
import('../dist/kernel/main.js').catch((e) => {
  process.stderr.write(
    `error[BYTEOR_E_NOT_BUILT]: cannot start byteor-dataguard: ${e.message}; run "npm run build" first\n`,
  );
  process.exitCode = 1;
});
