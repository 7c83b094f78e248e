export * from './embedded-event-store';
export * from './esdb-event-store';
export * from './create-event-store';
export * from './event-store.module';
