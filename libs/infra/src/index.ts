export * from './event-store';
export * from './logging/json-logger';
export * from './health/health';
export * from './http/bootstrap';
