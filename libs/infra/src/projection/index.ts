export * from './project-batch';
export * from './projection-runner';
export * from './rebuild';
export { metadataRead } from './rebuild-runs';
export * from './position-waiters';
export { embeddedLog, readStoreSpec, ReadStoreSpec } from './rebuild-parallel';
