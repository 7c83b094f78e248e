import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDirectory } from './schema-validator';

const library = join(__dirname, '..');
const shared = join(library, '..', '..', '..', 'shared', 'iso20022');

/**
 * `SHA256SUMS` records the official files as copied from shared/iso20022 (paths relative to it:
 * `<name>.xsd` for a schema, `samples/<name>` for a sample). The vendored copies are checked against it
 * everywhere; where shared/iso20022 sits beside the work tree, the official files are checked too.
 */
const recorded = new Map(
  readFileSync(join(library, 'SHA256SUMS'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [hash, path] = line.split(/\s+/);
      return [path, hash] as const;
    }),
);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const vendoredPath = (path: string) =>
  path.startsWith('samples/') ? join(library, path) : join(library, 'schemas', path);

describe('vendored ISO 20022 files', () => {
  it('are found by walking up from the code', () => {
    expect(schemasDirectory()).toBe(join(library, 'schemas'));
  });

  it('are exactly the recorded official files, no more, no fewer', () => {
    const vendored = [
      ...readdirSync(join(library, 'schemas')),
      ...readdirSync(join(library, 'samples')).map((name) => `samples/${name}`),
    ].sort();
    expect(vendored).toEqual([...recorded.keys()].sort());
    for (const [path, hash] of recorded)
      expect({ path, hash: sha256(vendoredPath(path)) }).toEqual({ path, hash });
  });

  if (existsSync(shared)) {
    it('match the official files in shared/iso20022', () => {
      const differing = [...recorded].filter(([path, hash]) => sha256(join(shared, path)) !== hash);
      expect(differing).toEqual([]);
    });
  } else {
    process.stdout.write(
      `\n${shared} is not beside this work tree: vendored files checked against SHA256SUMS only\n`,
    );
  }
});
