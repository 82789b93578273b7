export * from './capabilities';
export * from './instance-types';
export * from './layout';
export * from './efa-security-group';
export * from './placement';
export * from './efa-launch-template';
export * from './efa-cluster';
export * from './efa-node-group';
