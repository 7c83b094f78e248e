import { existsSync } from 'node:fs';
import { ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running the module at `modulePath` (absolute, without extension): the compiled
 * `.js` beside this code in a build, or the `.ts` source through `@swc-node/register` when the app runs
 * from source (tests, `node -r @swc-node/register`), which resolves the `@ledger/*` paths as the app does.
 * The thread gets the environment as the caller sees it.
 */
export function startModuleWorker(
  modulePath: string,
  workerData: unknown,
  extra: { readonly resourceLimits?: ResourceLimits } = {},
): Worker {
  // The caller's view of the environment, named: under a test runner it may differ from the process's.
  const options = { ...extra, workerData, env: { ...process.env } };
  if (existsSync(`${modulePath}.js`)) return new Worker(`${modulePath}.js`, options);
  const source = `require('@swc-node/register'); require(${JSON.stringify(`${modulePath}.ts`)});`;
  return new Worker(source, { ...options, eval: true });
}
