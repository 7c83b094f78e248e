export type { BusLogger } from './bus-logger';
export { nestBusLogger, retryDelay } from './bus-logger';
export * from './key-partitioner';
export * from './embedded-message-bus';
export * from './kafka-message-bus';
export * from './create-message-bus';
export * from './message-bus.module';
export * from './message-bus.transport';
