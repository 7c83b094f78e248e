export * from './jwt-verifier';
export * from './auth.guard';
export * from './auth.module';
