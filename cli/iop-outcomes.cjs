#!/usr/bin/env node
// Entry of the `iop-outcomes` CLI: registers tsx so the TypeScript sources run
// without a build step, then hands over to cli/main.ts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // Node 20 here, 24 on Lambda
require('tsx/cjs/api').register();
require('./main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
