import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeFlags } from './bench-ledger';

describe('the benchmarked ledger', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'bench-ledger-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const packageJson = (start: string) => {
    const file = join(directory, 'package.json');
    writeFileSync(file, JSON.stringify({ scripts: { start } }));
    return file;
  };

  it('runs with the node flags of npm start', () => {
    expect(
      startNodeFlags(packageJson('node --max-semi-space-size=64 --enable-x dist/apps/ledger/src/main.js')),
    ).toEqual(['--max-semi-space-size=64', '--enable-x']);
    expect(startNodeFlags(packageJson('node dist/apps/ledger/src/main.js'))).toEqual([]);
  });

  it('refuses a start script that does not run node, rather than benchmark something else', () => {
    expect(() => startNodeFlags(packageJson('ts-node apps/ledger/src/main.ts'))).toThrow(/not node/);
  });

  it("finds the project's own start script", () => {
    expect(startNodeFlags()).toContain('--max-semi-space-size=64');
  });
});
