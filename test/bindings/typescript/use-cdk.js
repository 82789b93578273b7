// Preload for the TypeScript twin (`node -r`): when CDK_EFA_BINDINGS_CDK names a folder with a node_modules of its own
// (run.sh installs a language's twin-cdk/package-lock.json there), `aws-cdk-lib` and `constructs` are loaded from it,
// for the twin and for the cdk-efa source it imports alike. The twin then runs on the same aws-cdk-lib release as the
// language app it is compared with, so a difference between the two templates is a difference between the bindings.
'use strict';
const Module = require('module');

const root = process.env.CDK_EFA_BINDINGS_CDK;
if (root) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveFromBindingsCdk(request, parent, isMain, options) {
    if (/^(aws-cdk-lib|constructs)(\/|$)/.test(request)) {
      return resolve.call(this, request, parent, isMain, { ...options, paths: [root] });
    }
    return resolve.call(this, request, parent, isMain, options);
  };
}
