import { randomUUID } from 'node:crypto';
import { DocumentChange, ReadModelDocument, ReadQuery, ReadStore } from '@ledger/projections';

export interface ReadStoreConnectOptions {
  /** Unique per run, so runs sharing one server (MongoDB) never see each other's documents. */
  readonly namespace: string;
}

/**
 * The one contract every ReadStore adapter passes. Each store is opened in a namespace of its own
 * run, and every collection the suite used is reset at the end.
 */
export function readStoreContract(
  name: string,
  connect: (options: ReadStoreConnectOptions) => Promise<ReadStore>,
): void {
  describe(`ReadStore contract: ${name}`, () => {
    const run = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    let store: ReadStore;
    let counter = 0;
    const used = new Set<string>();
    /** A fresh collection name per test. */
    const collection = (label: string) => {
      const c = `${label}_${counter++}`;
      used.add(c);
      return c;
    };
    const doc = (id: string, fields: Record<string, unknown> = {}, lastPosition = 1): ReadModelDocument => ({
      _id: id,
      lastPosition,
      ...fields,
    });
    const put = (c: string, docs: ReadModelDocument[], position = 1n, projection = 'p') =>
      store.commit(
        docs.map((d) => ({ ref: { collection: c, id: d._id }, document: d })),
        { projection, position },
      );
    /** Every document a query returns, page by page, failing on a page that repeats a document. */
    async function all(
      c: string,
      query: Omit<ReadQuery, 'after'>,
    ): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.find(c, { ...query, after });
        pages += 1;
        expect(page.items.length).toBeLessThanOrEqual(query.limit);
        if (page.next) expect(page.items).toHaveLength(query.limit);
        ids.push(...page.items.map((d) => d._id));
        after = page.next;
        if (pages > 1000) throw new Error('pagination does not end');
      } while (after);
      return { ids, pages };
    }

    beforeAll(async () => {
      store = await connect({ namespace: run });
    });
    afterAll(async () => {
      if (!store) return;
      await store.reset('p', [...used]);
      await store.close();
    });

    describe('documents and checkpoints', () => {
      it('reads back committed documents as written, by get and by load', async () => {
        const c = collection('roundtrip');
        const a = doc('a', {
          owner: 'Ada',
          balance: { currency: 'EUR', posted: '1250.75' },
          count: 3,
          active: true,
          tags: ['x', 'y'],
          note: null,
        });
        await put(c, [a, doc('b', { owner: 'Bob' })], 5n);
        expect(await store.get(c, 'a')).toEqual(a);
        expect(await store.get(c, 'missing')).toBeUndefined();
        const loaded = await store.load([
          { collection: c, id: 'a' },
          { collection: c, id: 'b' },
          { collection: c, id: 'missing' },
          { collection: collection('other'), id: 'a' },
        ]);
        expect([...loaded.keys()].sort()).toEqual([`${c}/a`, `${c}/b`]);
        expect(loaded.get(`${c}/a`)).toEqual(a);
      });

      it('replaces a document whole: fields left out of the new version are gone', async () => {
        const c = collection('replace');
        await put(c, [doc('a', { x: 1, y: 2 })]);
        await put(c, [doc('a', { x: 5 }, 2)], 2n);
        expect(await store.get(c, 'a')).toEqual({ _id: 'a', lastPosition: 2, x: 5 });
      });

      it('deletes a document given null, and deleting a missing one is harmless', async () => {
        const c = collection('delete');
        await put(c, [doc('a'), doc('b')]);
        await store.commit(
          [
            { ref: { collection: c, id: 'a' }, document: null },
            { ref: { collection: c, id: 'never' }, document: null },
          ],
          { projection: 'p', position: 2n },
        );
        expect(await store.get(c, 'a')).toBeUndefined();
        expect(await store.get(c, 'b')).toEqual(doc('b'));
        expect((await store.find(c, { limit: 10 })).items.map((d) => d._id)).toEqual(['b']);
      });

      it('has no checkpoint before the first commit, then the position of the last one', async () => {
        const projection = `cp_${counter++}`;
        expect(await store.checkpoint(projection)).toBeNull();
        await store.commit([], { projection, position: 7n });
        expect(await store.checkpoint(projection)).toBe(7n);
        const c = collection('checkpoint');
        await put(c, [doc('a')], 12n, projection);
        expect(await store.checkpoint(projection)).toBe(12n);
        expect(await store.get(c, 'a')).toEqual(doc('a'));
        expect(await store.checkpoint(`${projection}_other`)).toBeNull();
      });

      it('keeps positions exact up to 2^53 - 1', async () => {
        const projection = `big_${counter++}`;
        await store.commit([], { projection, position: 9007199254740991n });
        expect(await store.checkpoint(projection)).toBe(9007199254740991n);
        await expect(store.commit([], { projection, position: 9007199254740993n })).rejects.toThrow();
      });

      it('leaves the checkpoint where it was when a commit fails', async () => {
        const projection = `fail_${counter++}`;
        await store.commit([], { projection, position: 3n });
        const c = collection('fail');
        const bad: DocumentChange = { ref: { collection: c, id: 'a' }, document: doc('not-a') };
        await expect(store.commit([bad], { projection, position: 9n })).rejects.toThrow();
        expect(await store.checkpoint(projection)).toBe(3n);
      });

      it('ends in the same state when the same commit is applied twice (a redelivery)', async () => {
        const c = collection('idempotent');
        const changes: DocumentChange[] = [
          { ref: { collection: c, id: 'a' }, document: doc('a', { n: 1 }, 4) },
          { ref: { collection: c, id: 'b' }, document: null },
          { ref: { collection: c, id: 'c' }, document: doc('c', { n: 3 }, 4) },
        ];
        await put(c, [doc('b')]);
        await store.commit(changes, { projection: 'idem', position: 4n });
        const once = await store.find(c, { limit: 10 });
        await store.commit(changes, { projection: 'idem', position: 4n });
        expect(await store.find(c, { limit: 10 })).toEqual(once);
        expect(once.items.map((d) => d._id)).toEqual(['a', 'c']);
        expect(await store.checkpoint('idem')).toBe(4n);
        await store.reset('idem', []);
      });

      it('answers health', async () => {
        expect((await store.health()).status).toBe('up');
      });
    });

    describe('find: where', () => {
      let c: string;
      const people = [
        doc('p1', { name: 'Ada', age: 36, city: 'London', vip: true, acct: { ccy: 'EUR', amount: 120.5 } }),
        doc('p2', { name: 'Bob', age: 17, city: 'Paris', vip: false, acct: { ccy: 'USD', amount: 8 } }),
        doc('p3', { name: 'Cy', age: 52, city: 'London', acct: { ccy: 'EUR', amount: 0 } }),
        doc('p4', { name: 'Dee', age: '40', city: 'Berlin', vip: true }),
        doc('p5', { name: 'a.b*(c)[d]+?^$|\\x', age: 1, city: 'Lon' }),
        doc('p6', { name: 'aXb*(c)[d]+?^$|\\y', age: 2, city: 'london' }),
        doc('p7', { name: 'Ñandú', age: 3, city: 'Ávila' }),
      ];
      const ids = async (where: ReadQuery['where'], limit = 100) =>
        (await store.find(c, { where, limit })).items.map((d) => d._id);

      beforeAll(async () => {
        c = collection('where');
        await put(c, people);
      });

      it('eq: bare values and { eq }, of each type, never across types', async () => {
        expect(await ids({ city: 'London' })).toEqual(['p1', 'p3']);
        expect(await ids({ city: { eq: 'London' } })).toEqual(['p1', 'p3']);
        expect(await ids({ age: 17 })).toEqual(['p2']);
        expect(await ids({ age: 40 })).toEqual([]);
        expect(await ids({ age: '40' })).toEqual(['p4']);
        expect(await ids({ vip: true })).toEqual(['p1', 'p4']);
        expect(await ids({ vip: false })).toEqual(['p2']);
        expect(await ids({ _id: 'p3' })).toEqual(['p3']);
      });

      it('in: any of several values, mixed types matched by type', async () => {
        expect(await ids({ city: { in: ['Paris', 'Berlin', 'Rome'] } })).toEqual(['p2', 'p4']);
        expect(await ids({ age: { in: [17, 52, '40'] } })).toEqual(['p2', 'p3', 'p4']);
        expect(await ids({ _id: { in: ['p7', 'p1', 'nobody'] } })).toEqual(['p1', 'p7']);
      });

      it('prefix: literal, case-sensitive, regex special characters taken as themselves', async () => {
        expect(await ids({ city: { prefix: 'Lon' } })).toEqual(['p1', 'p3', 'p5']);
        expect(await ids({ name: { prefix: 'a.b*(c)[d]+?^$|\\' } })).toEqual(['p5']);
        expect(await ids({ name: { prefix: 'a.' } })).toEqual(['p5']);
        expect(await ids({ name: { prefix: 'Ña' } })).toEqual(['p7']);
        expect(await ids({ name: { prefix: '' } })).toHaveLength(7);
        expect(await ids({ age: { prefix: '4' } })).toEqual(['p4']);
      });

      it('gt, gte, lt, lte on numbers and strings, numbers never compared with strings', async () => {
        expect(await ids({ age: { gt: 36 } })).toEqual(['p3']);
        expect(await ids({ age: { gte: 36 } })).toEqual(['p1', 'p3']);
        expect(await ids({ age: { lt: 3 } })).toEqual(['p5', 'p6']);
        expect(await ids({ age: { lte: 3 } })).toEqual(['p5', 'p6', 'p7']);
        expect(await ids({ age: { gte: 2, lt: 36 } })).toEqual(['p2', 'p6', 'p7']);
        expect(await ids({ name: { gte: 'B', lt: 'D' } })).toEqual(['p2', 'p3']);
        expect(await ids({ age: { gt: '3' } })).toEqual(['p4']);
      });

      it('dotted paths reach into nested objects; documents without the field never match', async () => {
        expect(await ids({ 'acct.ccy': 'EUR' })).toEqual(['p1', 'p3']);
        expect(await ids({ 'acct.amount': { gte: 0, lt: 100 } })).toEqual(['p2', 'p3']);
        expect(await ids({ 'acct.ccy': 'EUR', city: 'London', 'acct.amount': { gt: 0 } })).toEqual(['p1']);
        expect(await ids({ 'acct.missing': { lt: 1000 } })).toEqual([]);
      });

      it('refuses unknown operators, bad paths and bad limits', async () => {
        const bad = (query: ReadQuery) => expect(store.find(c, query)).rejects.toThrow();
        await bad({ limit: 0 });
        await bad({ limit: 1001 });
        await bad({ limit: 2.5 });
        await bad({ where: { age: { near: 3 } as never }, limit: 10 });
        await bad({ where: { "x') OR 1=1 --": 1 }, limit: 10 });
        await bad({ where: { $where: 'true' }, limit: 10 });
        await bad({ sort: { field: 'a;drop', direction: 'asc' }, limit: 10 });
        await bad({ limit: 10, after: 'not a cursor' });
        expect((await store.find(c, { limit: 1 })).items).toHaveLength(1);
        expect((await store.find(c, { limit: 1000 })).items).toHaveLength(7);
      });
    });

    describe('find: sort and pages', () => {
      let c: string;
      // Few distinct values, so ties are the rule; some documents lack the sort fields.
      const rows = Array.from({ length: 57 }, (_, i) =>
        doc(`d${String((i * 37) % 57).padStart(2, '0')}`, {
          group: ['beta', 'alpha', 'gamma', 'Alpha'][i % 4],
          ...(i % 9 === 4 ? {} : { score: [3, -1, 10, 2.5, 0][i % 5], deep: { rank: i % 3 } }),
        }),
      );
      type Row = (typeof rows)[number] & { group: string; score?: number; deep?: { rank: number } };
      const compare = (field: (r: Row) => string | number | undefined, direction: 'asc' | 'desc') => {
        const sign = direction === 'asc' ? 1 : -1;
        return (a: Row, b: Row) => {
          const x = field(a);
          const y = field(b);
          // Absent sorts before any value, as in both stores.
          const byValue = x === y ? 0 : x === undefined ? -1 : y === undefined ? 1 : x < y ? -1 : 1;
          return sign * (byValue !== 0 ? byValue : a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
        };
      };
      const expected = (
        field: (r: Row) => string | number | undefined,
        direction: 'asc' | 'desc',
        filter = (_: Row) => true,
      ) =>
        (rows as Row[])
          .filter(filter)
          .sort(compare(field, direction))
          .map((r) => r._id);

      beforeAll(async () => {
        c = collection('sort');
        await put(c, rows);
      });

      it('sorts by _id by default', async () => {
        const page = await store.find(c, { limit: 1000 });
        expect(page.items.map((d) => d._id)).toEqual(rows.map((r) => r._id).sort());
        expect(page.next).toBeUndefined();
      });

      it.each(['asc', 'desc'] as const)(
        'sorts strings %s with _id breaking ties the same way',
        async (direction) => {
          const page = await store.find(c, { sort: { field: 'group', direction }, limit: 1000 });
          expect(page.items.map((d) => d._id)).toEqual(expected((r) => r.group, direction));
        },
      );

      it.each(['asc', 'desc'] as const)(
        'sorts numbers %s, absent values first ascending',
        async (direction) => {
          const page = await store.find(c, { sort: { field: 'score', direction }, limit: 1000 });
          expect(page.items.map((d) => d._id)).toEqual(expected((r) => r.score, direction));
        },
      );

      it.each([
        ['group', 'asc', 4],
        ['group', 'desc', 5],
        ['score', 'asc', 7],
        ['score', 'desc', 3],
        ['deep.rank', 'asc', 6],
        ['deep.rank', 'desc', 1],
        ['_id', 'desc', 10],
      ] as const)(
        'pages through %s %s (page size %i) visiting every document exactly once, in sort order',
        async (field, direction, limit) => {
          const value = (r: Row) =>
            field === 'deep.rank'
              ? r.deep?.rank
              : field === '_id'
                ? r._id
                : (r[field] as string | number | undefined);
          const { ids, pages } = await all(c, { sort: { field, direction }, limit });
          expect(ids).toEqual(expected(value, direction));
          expect(new Set(ids).size).toBe(rows.length);
          expect(pages).toBe(Math.ceil(rows.length / limit));
        },
      );

      it('pages through a filtered query', async () => {
        const { ids } = await all(c, {
          where: { group: { in: ['alpha', 'Alpha'] }, score: { gte: 0 } },
          sort: { field: 'score', direction: 'desc' },
          limit: 2,
        });
        expect(ids).toEqual(
          expected(
            (r) => r.score,
            'desc',
            (r) => ['alpha', 'Alpha'].includes(r.group) && (r.score ?? -9) >= 0,
          ),
        );
        expect(ids.length).toBeGreaterThan(4);
      });

      it('refuses a cursor made for another sort field', async () => {
        const page = await store.find(c, { sort: { field: 'group', direction: 'asc' }, limit: 3 });
        expect(page.next).toEqual(expect.any(String));
        await expect(
          store.find(c, { sort: { field: 'score', direction: 'asc' }, limit: 3, after: page.next }),
        ).rejects.toThrow();
      });
    });

    describe('reset and namespaces', () => {
      it('reset empties the given collections and the projection checkpoint only', async () => {
        const a = collection('reset_a');
        const b = collection('reset_b');
        const keep = collection('reset_keep');
        await put(a, [doc('1'), doc('2')], 3n, 'reset_p');
        await put(b, [doc('1')], 4n, 'reset_p');
        await put(keep, [doc('1')], 5n, 'reset_other');
        await store.reset('reset_p', [a, b]);
        expect((await store.find(a, { limit: 10 })).items).toEqual([]);
        expect(await store.get(b, '1')).toBeUndefined();
        expect(await store.checkpoint('reset_p')).toBeNull();
        expect(await store.get(keep, '1')).toEqual(doc('1'));
        expect(await store.checkpoint('reset_other')).toBe(5n);
        // Usable again right away, and new documents are written whole.
        await put(a, [doc('1', { again: true })], 6n, 'reset_p');
        expect(await store.get(a, '1')).toEqual(doc('1', { again: true }));
        await put(a, [doc('1', { again: 2 }, 7)], 7n, 'reset_p');
        expect(await store.get(a, '1')).toEqual(doc('1', { again: 2 }, 7));
        await store.reset('reset_other', []);
      });

      it('keeps namespaces apart: same collection and projection names, separate data', async () => {
        const c = collection('shared');
        const other = await connect({ namespace: `${run}_replay` });
        try {
          await put(c, [doc('x', { where: 'live' })], 10n, 'ns_p');
          expect(await other.get(c, 'x')).toBeUndefined();
          expect(await other.checkpoint('ns_p')).toBeNull();
          await other.commit([{ ref: { collection: c, id: 'x' }, document: doc('x', { where: 'replay' }) }], {
            projection: 'ns_p',
            position: 3n,
          });
          expect(await store.get(c, 'x')).toEqual(doc('x', { where: 'live' }));
          expect(await other.get(c, 'x')).toEqual(doc('x', { where: 'replay' }));
          expect(await store.checkpoint('ns_p')).toBe(10n);
          await other.reset('ns_p', [c]);
          expect(await store.get(c, 'x')).toEqual(doc('x', { where: 'live' }));
          expect(await store.checkpoint('ns_p')).toBe(10n);
          await store.reset('ns_p', []);
        } finally {
          await other.close();
        }
      });
    });
  });
}
