// Jest configuration for the peer-dependency floor: the project's own jest settings (package.json), but with
// `aws-cdk-lib` and `constructs` loaded from the oldest releases cdk-efa's peerDependencies accept, installed by
// `.ci/run` from test/peer-floor/package-lock.json into .tmp/peer-floor. The main node_modules stay untouched.
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const base = require(path.join(root, 'package.json')).jest;
const floor = process.env.CDK_EFA_PEER_FLOOR_MODULES || path.join(root, '.tmp', 'peer-floor', 'node_modules');

module.exports = {
  ...base,
  rootDir: root,
  // Every import of aws-cdk-lib or constructs, from the tests, from src/ and from other packages (cdk-nag), gets the floor.
  moduleNameMapper: { '^(aws-cdk-lib|constructs)(/.*)?$': `${floor}/$1$2` },
  collectCoverage: false,
  reporters: ['default', ['jest-junit', { outputDirectory: path.join(root, '.tmp', 'peer-floor', 'reports') }]],
};
