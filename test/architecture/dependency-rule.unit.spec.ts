import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(60_000);

const root = join(__dirname, '..', '..');

/**
 * Lints sample sources as if they stood at the given paths, with the project's own ESLint config, in a
 * child process (ESLint loads its flat config as an ES module, which jest's sandbox cannot).
 */
function restrictedImportErrors(samples: Array<{ filePath: string; code: string }>): number[] {
  const script = `
    const { ESLint } = require('eslint');
    const samples = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: ${JSON.stringify(root)} });
      const counts = [];
      for (const s of samples) {
        const [result] = await eslint.lintText(s.code, { filePath: s.filePath });
        counts.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').length);
      }
      process.stdout.write(JSON.stringify(counts));
    })();`;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script, JSON.stringify(samples)], { cwd: root, encoding: 'utf8' }),
  );
}

const forbidden: Array<[string, string]> = [
  ["import { Injectable } from '@nestjs/common';", 'Injectable'],
  ["import { MongoClient } from 'mongodb';", 'MongoClient'],
  ["import { Kafka } from 'kafkajs';", 'Kafka'],
  ["import { EventStoreDBClient } from '@eventstore/db-client';", 'EventStoreDBClient'],
  ["import Database from 'better-sqlite3';", 'Database'],
  ["import { readFileSync } from 'node:fs';", 'readFileSync'],
  ["import { EmbeddedEventStore } from '@ledger/infra';", 'EmbeddedEventStore'],
  [
    "import { CommandApiModule } from '../../../apps/command-api/src/command-api.module';",
    'CommandApiModule',
  ],
];

describe('dependency rule for libs/domain and libs/events', () => {
  const samples = forbidden.flatMap(([line, name]) =>
    ['libs/domain/src/sample.ts', 'libs/events/src/sample.ts', 'apps/command-api/src/sample.ts'].map(
      (filePath) => ({
        filePath,
        code: `${line}\nexport const used = [${name}];\n`,
      }),
    ),
  );
  samples.push({
    filePath: 'libs/domain/src/sample.ts',
    code: "import { parseMoney } from '@ledger/events';\nexport const x = [parseMoney];\n",
  });
  let counts: number[];
  beforeAll(() => {
    counts = restrictedImportErrors(samples);
  });

  it.each(forbidden.map(([line], i) => [line, i] as const))(
    'refuses %s in both pure libs but not in an app',
    (_line, i) => {
      expect(counts.slice(i * 3, i * 3 + 3)).toEqual([1, 1, 0]);
    },
  );

  it('lets the pure libs import each other', () => {
    expect(counts[counts.length - 1]).toBe(0);
  });
});
