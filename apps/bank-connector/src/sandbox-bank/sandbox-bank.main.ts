import pino from 'pino';
import { openSandboxBank, sandboxBankConfigFromEnv } from './sandbox-bank.config';
import { SandboxBankServer } from './sandbox-bank.server';

/** The sandbox bank alone, over HTTP (configuration: `sandbox-bank.config.ts`). Stops cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const logger = pino(
    {
      level: process.env.LOG_LEVEL ?? 'info',
      base: { service: 'sandbox-bank' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ dest: 1, sync: true }),
  );
  try {
    const config = sandboxBankConfigFromEnv(process.env);
    const bank = await openSandboxBank(config);
    bank.start(config.tickMs);
    const server = await SandboxBankServer.start(bank, {
      host: config.host,
      port: config.port,
      onProblem: (problem, error) =>
        logger[problem.status >= 500 ? 'error' : 'warn'](
          { code: problem.code, status: problem.status, err: problem.status >= 500 ? error : undefined },
          problem.detail,
        ),
    });
    logger.info(
      { url: server.url, dataDir: config.dataDir, timings: config.timings, publicJwk: bank.publicJwk() },
      'sandbox bank listening',
    );
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'sandbox bank stopping');
      await server.close();
      await bank.stop();
      logger.info('sandbox bank stopped');
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  } catch (error) {
    logger.fatal({ err: error }, 'sandbox bank failed to start');
    process.exit(1);
  }
}

void main();
