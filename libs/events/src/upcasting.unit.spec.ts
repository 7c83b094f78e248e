import { LedgerEvent } from './envelope';
import { Upcasters } from './upcasting';

const event = (type: string, schemaVersion: number, data: unknown): LedgerEvent => ({
  type,
  data,
  metadata: {
    eventId: 'e1',
    correlationId: 'c1',
    causationId: 'c1',
    actor: { subject: 'alice', roles: ['employee'] },
    occurredAt: '2026-01-01T00:00:00.000Z',
    schemaVersion,
  },
});

describe('Upcasters', () => {
  const upcasters = new Upcasters([
    { type: 'Thing', fromVersion: 1, upcast: (d) => ({ ...(d as object), v2: true }) },
    { type: 'Thing', fromVersion: 2, upcast: (d) => ({ ...(d as object), v3: true }) },
  ]);

  it('chains upcasters from the stored version to the newest one', () => {
    const upcast = upcasters.upcast(event('Thing', 1, { a: 1 }));
    expect(upcast.data).toEqual({ a: 1, v2: true, v3: true });
    expect(upcast.metadata.schemaVersion).toBe(3);
    expect(upcast.metadata.eventId).toBe('e1');
  });

  it('starts from the stored version, not from 1', () => {
    expect(upcasters.upcast(event('Thing', 2, { a: 1 })).data).toEqual({ a: 1, v3: true });
  });

  it('leaves current versions and other types untouched', () => {
    const current = event('Thing', 3, { a: 1 });
    expect(upcasters.upcast(current)).toBe(current);
    const other = event('Other', 1, { a: 1 });
    expect(upcasters.upcast(other)).toBe(other);
  });

  it('refuses two upcasters for the same version', () => {
    expect(
      () =>
        new Upcasters([
          { type: 'X', fromVersion: 1, upcast: (d) => d },
          { type: 'X', fromVersion: 1, upcast: (d) => d },
        ]),
    ).toThrow('two upcasters for X@1');
  });
});
