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
