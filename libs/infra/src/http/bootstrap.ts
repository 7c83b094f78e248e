import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger } from '../logging/json-logger';
import { buildOpenApiDocument } from './openapi';
import { ProblemFilter, validationPipe } from './problem';

export interface HttpAppOptions {
  readonly service: string;
  readonly port?: number;
  readonly host?: string;
  /** Connects the app's message consumers (Nest microservices); they start once the app is initialised. */
  readonly connectMicroservices?: (app: INestApplication) => void;
}

/**
 * Starts a Nest module as an HTTP app on Fastify with JSON logs, and closes it cleanly on SIGTERM or
 * SIGINT: HTTP stops accepting, queued appends finish, stores and subscriptions close.
 */
export async function bootstrapHttpApp(
  module: Type<unknown>,
  options: HttpAppOptions,
): Promise<INestApplication> {
  const logger = new JsonLogger(options.service);
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: 1 << 20 }),
    {
      logger,
      abortOnError: false,
    },
  );
  app.useGlobalFilters(new ProblemFilter(logger));
  app.useGlobalPipes(validationPipe());
  // Errors Fastify raises before a route runs (malformed JSON, wrong media type, too large) reach the
  // same filter through Nest's own Fastify error handler.
  buildOpenApiDocument(app, options.service);
  options.connectMicroservices?.(app);
  // Modules create their topics and stores on bootstrap; consumers subscribe after that.
  await app.init();
  await app.startAllMicroservices();
  const port = options.port ?? Number(process.env.PORT ?? 3000);
  const host = options.host ?? process.env.HOST ?? '0.0.0.0';
  await app.listen(port, host);
  logger.log({ msg: 'listening', port, host, pid: process.pid }, 'Bootstrap');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log({ msg: 'shutting down', signal }, 'Bootstrap');
      app.close().then(
        () => {
          logger.log({ msg: 'stopped' }, 'Bootstrap');
          process.exit(0);
        },
        (error: Error) => {
          logger.error(error, 'Bootstrap');
          process.exit(1);
        },
      );
    });
  }
  return app;
}
