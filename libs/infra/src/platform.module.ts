import { Global, Module } from '@nestjs/common';
import { HealthController, HealthRegistry } from './health/health';
import { OpenApiController } from './http/openapi';

/** What every app's HTTP side has: `GET /health` over the registered adapters, and `GET /docs`. */
@Global()
@Module({
  providers: [HealthRegistry],
  controllers: [HealthController, OpenApiController],
  exports: [HealthRegistry],
})
export class PlatformModule {}
