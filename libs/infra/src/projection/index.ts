export * from './project-batch';
export * from './projection-runner';
export * from './rebuild';
export * from './position-waiters';
export { embeddedLog, readStoreSpec, ReadStoreSpec } from './rebuild-parallel';
