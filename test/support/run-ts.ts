import { spawn, SpawnOptions } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Starts a TypeScript entry point in its own Node process, compiled on the fly by swc. */
export function spawnTs(entry: string, args: string[], options: SpawnOptions = {}) {
  return spawn(process.execPath, ['-r', '@swc-node/register', join(root, entry), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
    env: { ...process.env, SWC_NODE_PROJECT: join(root, 'tsconfig.json'), ...options.env },
  });
}
