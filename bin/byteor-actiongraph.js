#!/usr/bin/env node
// byteor-actiongraph: byteor with the actiongraph plugin preloaded
process.env.BYTEOR_PROG = 'byteor-actiongraph';
process.env.BYTEOR_PRELOAD_PLUGINS = ['actiongraph', process.env.BYTEOR_PRELOAD_PLUGINS].filter(Boolean).join(',');
import('../dist/kernel/main.js').catch((e) => {
  process.stderr.write(
    `error[BYTEOR_E_NOT_BUILT]: cannot start byteor-actiongraph: ${e.message}; run "npm run build" first\n`,
  );
  process.exitCode = 1;
});
