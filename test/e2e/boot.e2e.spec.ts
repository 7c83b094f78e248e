import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningApp, startApp } from '../support/app-process';

jest.setTimeout(60_000);

describe('booting the apps on the embedded adapters', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-boot-'));
  let running: RunningApp | undefined;
  // A failed expectation must not leave the app running (jest would wait for it).
  afterEach(() => {
    if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['apps/ledger/src/main.ts', ['eventStore', 'messageBus', 'projector', 'readStore']],
    ['apps/command-api/src/main.ts', ['eventStore', 'messageBus']],
    ['apps/projector/src/main.ts', ['eventStore', 'projector', 'readStore']],
    ['apps/bank-connector/src/main.ts', ['eventStore', 'messageBus', 'readStore']],
  ])(
    '%s starts, reports its adapters on /health, logs JSON and stops cleanly on SIGTERM',
    async (entry, adapters) => {
      const app = await startApp(entry, { LEDGER_DATA_DIR: dataDir });
      const response = await fetch(`${app.url}/health`);
      const body = (await response.json()) as {
        status: string;
        adapters: Record<string, { status: string; adapter: string }>;
      };
      expect(response.status).toBe(200);
      expect(body.status).toBe('up');
      expect(Object.keys(body.adapters).sort()).toEqual([...adapters].sort());
      expect(body.adapters.eventStore).toMatchObject({ status: 'up', adapter: 'embedded-sqlite' });

      expect(await app.stop()).toBe(0);
      const lines = app.logs().trim().split('\n');
      const parsed = lines.map((line) => JSON.parse(line) as { msg?: string; level: number });
      expect(parsed.some((l) => l.msg === 'listening')).toBe(true);
      expect(parsed[parsed.length - 1].msg).toBe('stopped');
    },
  );
});
