import { Logger } from '@nestjs/common';

/** Where the buses report what they recover from (failed handlers, lost connections). */
export interface BusLogger {
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/** Nest's logger, which the apps route to the JSON logger. */
export function nestBusLogger(name: string): BusLogger {
  const logger = new Logger(name);
  return {
    warn: (message, context) => logger.warn(context ? { msg: message, ...context } : message),
    error: (message, context) => logger.error(context ? { msg: message, ...context } : message),
  };
}

/** A pause that ends early when `signal.wake` is called (a subscription stopping). */
export function pause(ms: number, signal: { wake?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.wake = undefined;
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.wake = done;
  });
}

/** Redelivery delay after the n-th consecutive failure (n ≥ 1): doubling, capped. */
export function retryDelay(failures: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 20));
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    try {
      return JSON.stringify(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}

/**
 * Hands one message to a handler until it succeeds: at-least-once delivery in order, never skipping a
 * message. After each failure it logs, pauses (`retryDelay`) and, unless `stopped()` says the consumer
 * is going or lost the partition, tries again. Resolves false when it gave up: the message stays
 * uncommitted and is delivered again wherever the partition is consumed next.
 */
export async function deliverUntilHandled(
  handle: () => Promise<void>,
  options: {
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
    readonly logger: BusLogger;
    /** Logged with each failure: group, topic, partition, offset. */
    readonly context: Record<string, unknown>;
    readonly pause: (ms: number) => Promise<void>;
    readonly stopped: () => boolean;
    /** Between attempts, e.g. a Kafka heartbeat (throws if the group is rebalancing). */
    readonly beforeRetry?: () => Promise<void>;
  },
): Promise<boolean> {
  for (let failures = 0; ;) {
    if (options.stopped()) return false;
    try {
      await handle();
      return true;
    } catch (error) {
      failures += 1;
      const delay = retryDelay(failures, options.initialDelayMs, options.maxDelayMs);
      options.logger.warn('message handler failed; delivering the message again', {
        ...options.context,
        failures,
        retryInMs: delay,
        error: describeError(error),
      });
      await options.pause(delay);
      if (options.stopped()) return false;
      await options.beforeRetry?.();
    }
  }
}
