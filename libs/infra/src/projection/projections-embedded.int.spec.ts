import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectionsContract } from '../../../../test/contracts/projections.contract';
import { EmbeddedReadStore } from '../read-store/embedded-read-store';

jest.setTimeout(120_000);
const dir = mkdtempSync(join(tmpdir(), 'ledger-proj-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

projectionsContract(
  'the embedded read store',
  async (namespace) => new EmbeddedReadStore({ file: join(dir, 'read-models.sqlite'), namespace }),
);
