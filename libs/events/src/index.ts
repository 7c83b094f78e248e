export * from './money';
export * from './envelope';
export * from './upcasting';
export * from './event-store.port';
export * from './catalog';
export * from './message-bus.port';
export * from './bank-receipt';
export * from './iso20022-ids';
