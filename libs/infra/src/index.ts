export * from './event-store';
export * from './logging/json-logger';
export * from './health/health';
export * from './http/bootstrap';
export * from './http/problem';
export * from './auth';
export * from './http/openapi';
export * from './platform.module';
