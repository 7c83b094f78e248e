import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Iso20022Error } from '../iso20022.error';

/** A public sample message from `libs/iso20022/samples`. */
export const sample = (name: string): string =>
  readFileSync(join(__dirname, '..', '..', 'samples', name), 'utf8');

/** The code of the `Iso20022Error` the call throws, or undefined if it throws nothing. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof Iso20022Error) return error.code;
    throw error;
  }
  return undefined;
}

/** The code of the `Iso20022Error` the promise rejects with, or undefined if it resolves. */
export async function codeOfRejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Iso20022Error) return error.code;
    throw error;
  }
  return undefined;
}
