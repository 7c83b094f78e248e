export * from './read-query';
export * from './embedded-read-store';
export * from './mongo-read-store';
export * from './create-read-store';
