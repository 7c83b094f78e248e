import { BusMessage } from '@ledger/events';
import { deliverInKeyOrder, keyConcurrencyOf } from './key-ordered-delivery';

const page = (keys: string): BusMessage[] =>
  [...keys].map((key, offset) => ({
    topic: 't',
    partition: 0,
    offset: String(offset),
    key,
    value: `${key}@${offset}`,
    headers: {},
    timestamp: new Date(0).toISOString(),
  }));

/** A handler whose calls finish when the test says so. */
function gated() {
  const waiting = new Map<string, () => void>();
  const started: string[] = [];
  return {
    started,
    deliver: (m: BusMessage) =>
      new Promise<boolean>((resolve) => {
        started.push(m.value);
        waiting.set(m.value, () => resolve(true));
      }),
    finish: (value: string) => waiting.get(value)!(),
  };
}

const turns = () => new Promise((r) => setImmediate(r));

describe('deliverInKeyOrder', () => {
  it('reports the handled run from the start of the page only, in offset order', async () => {
    const handler = gated();
    const through: string[] = [];
    const done = deliverInKeyOrder(page('abc'), 3, handler.deliver, (m) => void through.push(m.offset));
    await turns();
    expect(handler.started).toEqual(['a@0', 'b@1', 'c@2']);
    handler.finish('c@2');
    handler.finish('b@1');
    await turns();
    // c and b are handled, but a is not: nothing may be committed yet.
    expect(through).toEqual([]);
    handler.finish('a@0');
    await expect(done).resolves.toBe(true);
    expect(through).toEqual(['2']);
  });

  it("starts a key's next message only after its previous one, other keys meanwhile", async () => {
    const handler = gated();
    const through: string[] = [];
    const done = deliverInKeyOrder(page('aab'), 2, handler.deliver, (m) => void through.push(m.offset));
    await turns();
    expect(handler.started).toEqual(['a@0', 'b@2']);
    handler.finish('a@0');
    await turns();
    expect(handler.started).toEqual(['a@0', 'b@2', 'a@1']);
    expect(through).toEqual(['0']);
    handler.finish('b@2');
    handler.finish('a@1');
    await expect(done).resolves.toBe(true);
    expect(through).toEqual(['0', '2']);
  });

  it('starts nothing more once a delivery gives up, and reports the page unfinished', async () => {
    const started: string[] = [];
    const through: string[] = [];
    const finished = await deliverInKeyOrder(
      page('abab'),
      2,
      async (m) => {
        started.push(m.value);
        return m.value !== 'b@1';
      },
      (m) => void through.push(m.offset),
    );
    expect(finished).toBe(false);
    expect(started).not.toContain('b@3');
    expect(through).toEqual(['0']);
  });

  it('throws what a delivery threw, only once the other keys in flight are done', async () => {
    const handler = gated();
    let settled = false;
    const done = deliverInKeyOrder(
      page('abab'),
      2,
      (m) => (m.value === 'a@0' ? Promise.reject(new Error('lost the partition')) : handler.deliver(m)),
      () => undefined,
    ).finally(() => (settled = true));
    await turns();
    // b@1 is in flight: the page is not over while it runs.
    expect(handler.started).toEqual(['b@1']);
    expect(settled).toBe(false);
    handler.finish('b@1');
    await expect(done).rejects.toThrow('lost the partition');
    // Nothing more was started after the failure.
    expect(handler.started).toEqual(['b@1']);
  });

  it('with a concurrency of 1 goes through the page in offset order', async () => {
    const order: string[] = [];
    await deliverInKeyOrder(
      page('abcab'),
      1,
      async (m) => {
        order.push(m.value);
        return true;
      },
      () => undefined,
    );
    expect(order).toEqual(['a@0', 'b@1', 'c@2', 'a@3', 'b@4']);
  });

  it('takes a whole number of at least 1', () => {
    expect(keyConcurrencyOf({ groupId: 'g', topics: ['t'] })).toBe(1);
    expect(keyConcurrencyOf({ groupId: 'g', topics: ['t'], keyConcurrency: 8 })).toBe(8);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => keyConcurrencyOf({ groupId: 'g', topics: ['t'], keyConcurrency: bad })).toThrow(
        /whole number/,
      );
    }
  });
});
