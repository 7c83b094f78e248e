import fc from 'fast-check';
import { fromIsoId, toIsoId } from '@ledger/events';
import { InOrderCheckpoint } from './in-order-checkpoint';
import { backoffDelayMs } from './retry-policy';

describe('ISO 20022 ids', () => {
  it('sends a UUID as its 32 hex digits and maps it back', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const iso = toIsoId(uuid);
        expect(iso).toMatch(/^[0-9a-f]{32}$/);
        expect(fromIsoId(iso)).toBe(uuid.toLowerCase());
      }),
    );
  });

  it('sends a short id as it is, and refuses one that cannot travel', () => {
    expect(toIsoId('b42-17')).toBe('b42-17');
    expect(fromIsoId('b42-17')).toBe('b42-17');
    expect(() => toIsoId('x'.repeat(36))).toThrow('cannot travel');
    expect(() => toIsoId('pay_1')).toThrow('cannot travel');
    // A 32-hex id would come back as a UUID: refused rather than mistaken for another.
    expect(() => toIsoId('a'.repeat(32))).toThrow('cannot travel');
  });
});

describe('in-order checkpoint', () => {
  it('moves only past positions whose batches are all done', () => {
    const checkpoint = new InOrderCheckpoint();
    checkpoint.begin(10n);
    checkpoint.begin(20n);
    checkpoint.begin(30n);
    expect(checkpoint.done(20n)).toBe(9n);
    expect(checkpoint.done(30n)).toBe(9n);
    expect(checkpoint.done(10n)).toBe(30n);
    expect(checkpoint.pending).toBe(0);
  });

  it('never passes an unfinished position, whatever the completion order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt({ min: 1n, max: 1000n }), { minLength: 1, maxLength: 30 }),
        fc.infiniteStream(fc.nat()),
        (positions, picks) => {
          const sorted = [...positions].sort((a, b) => (a < b ? -1 : 1));
          const checkpoint = new InOrderCheckpoint();
          for (const p of sorted) checkpoint.begin(p);
          const open = new Set(sorted);
          const order = picks.take(sorted.length);
          for (const pick of order) {
            const remaining = [...open];
            const p = remaining[pick % remaining.length];
            open.delete(p);
            const safe = checkpoint.done(p);
            for (const unfinished of open) expect(safe === null || safe < unfinished).toBe(true);
          }
          expect(checkpoint.safePosition()).toBe(sorted[sorted.length - 1]);
        },
      ),
    );
  });
});

describe('retry backoff', () => {
  it('grows exponentially with full jitter, capped', () => {
    const policy = { baseMs: 500, maxMs: 30_000 };
    expect(backoffDelayMs(1, policy, () => 0.999)).toBe(499);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(1000);
    expect(backoffDelayMs(20, policy, () => 0.999)).toBe(29_970);
    expect(backoffDelayMs(4, policy, () => 0)).toBe(0);
  });
});
