import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SignJWT } from 'jose';

/** The HS256 secret the benchmarked ledger verifies tokens with. */
export const BENCH_SECRET = 'bench-secret-that-is-long-enough-for-hs256';

export async function benchToken(sub: string, roles: string[]): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(BENCH_SECRET));
}

/**
 * The flags `npm start` gives node (`node --flag ... dist/apps/ledger/src/main.js` in package.json), so
 * the benchmark measures the ledger as it is run.
 */
export function startNodeFlags(packageJson = projectPackageJson()): string[] {
  const { scripts } = JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts: Record<string, string> };
  const words = scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm start runs ${words[0]}, not node: ${scripts.start}`);
  return words.slice(1).filter((word) => word.startsWith('--'));
}

/** The project's package.json, above this file (test/bench, or dist/test/bench compiled). */
function projectPackageJson(): string {
  for (let directory = __dirname; ; directory = dirname(directory)) {
    const candidate = join(directory, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) throw new Error(`no package.json above ${__dirname}`);
  }
}

/**
 * Starts the compiled embedded ledger (`dist/apps/ledger/src/main.js`) in its own process, with the
 * node flags of `npm start`, so the benchmark's driver does not share its event loop, and resolves
 * once /health answers 200. `BENCH_LEDGER_NODE_ARGS` adds flags (e.g. `--cpu-prof`).
 */
export async function startBenchLedger(options: {
  readonly dataDir: string;
  readonly port: number;
  readonly env?: Record<string, string>;
}): Promise<ChildProcess> {
  const nodeArgs = process.env.BENCH_LEDGER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...startNodeFlags(), ...nodeArgs, join(__dirname, '..', '..', 'apps', 'ledger', 'src', 'main.js')],
    {
      env: {
        ...process.env,
        ...options.env,
        PORT: String(options.port),
        HOST: '127.0.0.1',
        LEDGER_DATA_DIR: options.dataDir,
        AUTH_JWT_SECRET: BENCH_SECRET,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the ledger exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${options.port}/health`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the ledger did not start within 30 s');
}
