import { Controller, Get, Injectable, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AdapterHealth } from '@ledger/events';
import { Public } from '../auth/auth.guard';

export interface HealthCheck {
  readonly name: string;
  check(): Promise<AdapterHealth>;
}

/** Every module that owns an adapter registers a check here; `GET /health` reports them all. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck['check']>();

  register(name: string, check: HealthCheck['check']): void {
    this.checks.set(name, check);
  }

  async report(): Promise<{ status: 'up' | 'down'; adapters: Record<string, AdapterHealth> }> {
    const results = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        const health = await check().catch((e: Error): AdapterHealth => ({
          status: 'down',
          adapter: name,
          detail: e.message,
        }));
        return [name, health] as const;
      }),
    );
    const status = results.every(([, r]) => r.status === 'up') ? 'up' : 'down';
    return { status, adapters: Object.fromEntries(results) };
  }
}

@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.registry.report();
    reply.status(report.status === 'up' ? 200 : 503);
    return report;
  }
}
