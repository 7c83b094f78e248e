import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { dataDir } from '../event-store/create-event-store';
import { AuthGuard, JWT_VERIFIER } from './auth.guard';
import { JwtVerifier, jwtConfigFromEnv } from './jwt-verifier';

/** Bearer JWT verification for every HTTP route of the process (see AuthGuard). */
@Global()
@Module({
  providers: [
    {
      provide: JWT_VERIFIER,
      useFactory: () => JwtVerifier.create(jwtConfigFromEnv(process.env, dataDir(process.env))),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [JWT_VERIFIER],
})
export class AuthModule {}
