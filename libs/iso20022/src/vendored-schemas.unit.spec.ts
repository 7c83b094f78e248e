import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDirectory } from './schema-validator';

const repoRoot = join(__dirname, '..', '..', '..');
const shared = join(repoRoot, '..', 'shared', 'iso20022');
const library = join(__dirname, '..');

describe('vendored ISO 20022 files', () => {
  it('are found by walking up from the code', () => {
    expect(schemasDirectory()).toBe(join(library, 'schemas'));
  });

  if (!existsSync(shared)) {
    // The shared directory sits beside the work tree on the developers' and CI's machines only.
    console.warn(`skipping the byte-identity check of libs/iso20022/schemas: ${shared} does not exist`);
    it.skip(`are byte-identical to ${shared} (not present here)`, () => undefined);
    return;
  }

  it('schemas are byte-identical to the official copies in shared/iso20022', () => {
    const official = readdirSync(shared).filter((name) => name.endsWith('.xsd'));
    expect(official.length).toBeGreaterThan(0);
    expect(readdirSync(join(library, 'schemas')).sort()).toEqual(official.sort());
    for (const name of official) {
      expect({
        name,
        same: readFileSync(join(library, 'schemas', name)).equals(readFileSync(join(shared, name))),
      }).toEqual({
        name,
        same: true,
      });
    }
  });

  it('samples are byte-identical to shared/iso20022/samples', () => {
    const official = readdirSync(join(shared, 'samples'));
    expect(readdirSync(join(library, 'samples')).sort()).toEqual(official.sort());
    for (const name of official) {
      expect({
        name,
        same: readFileSync(join(library, 'samples', name)).equals(
          readFileSync(join(shared, 'samples', name)),
        ),
      }).toEqual({ name, same: true });
    }
  });
});
