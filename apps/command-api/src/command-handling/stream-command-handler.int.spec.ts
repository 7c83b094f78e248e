import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { duplicateGuardDecider, DuplicateGuardCommand } from '@ledger/domain';
import { EmbeddedEventStore } from '@ledger/infra';
import { CommandContext } from './command-context';
import { StreamCommandHandler } from './stream-command-handler';

const STREAM = 'duplicateGuard-test';
let n = 0;

function command(
  type: DuplicateGuardCommand['type'],
  claimId: string,
  idempotencyKey?: string,
): { command: DuplicateGuardCommand; context: CommandContext } {
  n += 1;
  const metadata = {
    actor: { subject: 'tester', roles: [] },
    now: '2026-11-22T10:00:00.000Z',
    commandId: `c-${n}`,
  };
  const data = { key: 'payee|invoice|amount', claimId, reason: 'rejected' as const };
  return {
    command: { type, data, metadata } as DuplicateGuardCommand,
    context: { metadata, correlationId: `k-${n}`, requestHash: `${type}-${claimId}`, idempotencyKey },
  };
}

/**
 * Two handlers on one log stand for two command-API processes: each keeps its own folded copies of the
 * streams it used, and neither knows what the other appended.
 */
describe('StreamCommandHandler keeps recently used streams folded', () => {
  let dir: string;
  let store: EmbeddedEventStore;
  let here: StreamCommandHandler;
  let elsewhere: StreamCommandHandler;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stream-handler-'));
    store = new EmbeddedEventStore({ file: join(dir, 'events.sqlite') });
    here = new StreamCommandHandler(store);
    elsewhere = new StreamCommandHandler(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (
    handler: StreamCommandHandler,
    type: DuplicateGuardCommand['type'],
    claimId: string,
    key?: string,
  ) => {
    const { command: c, context } = command(type, claimId, key);
    return handler.handle(STREAM, duplicateGuardDecider, c, context);
  };
  const logged = async () =>
    (await store.readStream(STREAM)).map((e) => `${e.type} ${(e.data as { claimId: string }).claimId}`);

  it('decides the next command on a stream it just wrote without reading the stream again', async () => {
    await run(here, 'ReserveDuplicateGuard', 'claim-a');
    const reads = jest.spyOn(store, 'readStream');
    const released = await run(here, 'ReleaseDuplicateGuard', 'claim-a');
    expect(reads).not.toHaveBeenCalled();
    expect(released).toMatchObject({ state: { status: 'free' }, revision: 1n, replayed: false });
    expect(await logged()).toEqual(['DuplicateGuardReserved claim-a', 'DuplicateGuardReleased claim-a']);
  });

  it('appends nothing on a copy another process has moved past, and decides again on the log', async () => {
    await run(here, 'ReserveDuplicateGuard', 'claim-a');
    await run(elsewhere, 'ReleaseDuplicateGuard', 'claim-a');
    await run(elsewhere, 'ReserveDuplicateGuard', 'claim-b');
    await expect(run(here, 'ReleaseDuplicateGuard', 'claim-a')).resolves.toMatchObject({ events: [] });
    await expect(run(here, 'ReserveDuplicateGuard', 'claim-c')).rejects.toMatchObject({
      code: 'CLAIM.DUPLICATE',
      details: { firstClaimId: 'claim-b' },
    });
    expect(await logged()).toEqual([
      'DuplicateGuardReserved claim-a',
      'DuplicateGuardReleased claim-a',
      'DuplicateGuardReserved claim-b',
    ]);
  });

  it('does not refuse on a stale copy what the log allows', async () => {
    await run(here, 'ReserveDuplicateGuard', 'claim-a');
    await run(elsewhere, 'ReleaseDuplicateGuard', 'claim-a');
    // Its copy says claim-a holds the key; the log says the key is free again.
    const reserved = await run(here, 'ReserveDuplicateGuard', 'claim-b');
    expect(reserved).toMatchObject({ state: { status: 'reserved', claimId: 'claim-b' }, revision: 2n });
    expect(await logged()).toEqual([
      'DuplicateGuardReserved claim-a',
      'DuplicateGuardReleased claim-a',
      'DuplicateGuardReserved claim-b',
    ]);
  });

  it('decides on the log when its copy would let a command through that another process made invalid', async () => {
    await run(here, 'ReserveDuplicateGuard', 'claim-a');
    await run(here, 'ReleaseDuplicateGuard', 'claim-a');
    await run(elsewhere, 'ReserveDuplicateGuard', 'claim-b');
    // Its copy says the key is free: the append under the old revision conflicts, and the log refuses.
    await expect(run(here, 'ReserveDuplicateGuard', 'claim-c')).rejects.toMatchObject({
      code: 'CLAIM.DUPLICATE',
    });
    expect(await logged()).toHaveLength(3);
  });

  it('answers a retried request from the log, even when its own copy predates the first attempt', async () => {
    await run(here, 'ReserveDuplicateGuard', 'claim-a');
    await run(here, 'ReleaseDuplicateGuard', 'claim-a');
    const first = await run(elsewhere, 'ReserveDuplicateGuard', 'claim-b', 'key-1');
    const retried = await run(here, 'ReserveDuplicateGuard', 'claim-b', 'key-1');
    expect(first.replayed).toBe(false);
    expect(retried).toMatchObject({ replayed: true, position: first.position, revision: first.revision });
    expect(await logged()).toHaveLength(3);
  });

  it('reads what others appended when asked for a fresh view', async () => {
    await run(here, 'ReserveDuplicateGuard', 'claim-a');
    await run(elsewhere, 'ReleaseDuplicateGuard', 'claim-a');
    expect((await here.read(STREAM, duplicateGuardDecider)).state).toMatchObject({ status: 'reserved' });
    const fresh = await here.read(STREAM, duplicateGuardDecider, { fresh: true });
    expect(fresh.state).toEqual({ status: 'free' });
    expect(fresh.events.map((e) => e.revision)).toEqual([0n, 1n]);
  });

  it('reads many streams in one go: held copies trusted, or extended with what the log adds when fresh', async () => {
    const other = 'duplicateGuard-other';
    await run(here, 'ReserveDuplicateGuard', 'claim-a');
    // Another process moves the held stream on.
    await run(elsewhere, 'ReleaseDuplicateGuard', 'claim-a');
    const reads = jest.spyOn(store, 'readStreams');
    const [trusted, missing] = await here.readMany([STREAM, other], duplicateGuardDecider);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(reads).toHaveBeenLastCalledWith([other]);
    expect(trusted).toMatchObject({ revision: 0n, state: { status: 'reserved' } });
    expect(missing).toMatchObject({ revision: -1n, events: [] });
    const [fresh] = await here.readMany([STREAM], duplicateGuardDecider, { fresh: true });
    expect(fresh).toMatchObject({ revision: 1n, state: { status: 'free' } });
    expect(fresh.events.map((e) => e.revision)).toEqual([0n, 1n]);
    // The extended copy is held: the next command decides on it without reading the stream.
    const singleReads = jest.spyOn(store, 'readStream');
    await run(here, 'ReserveDuplicateGuard', 'claim-d');
    expect(singleReads).not.toHaveBeenCalled();
    expect(await logged()).toEqual([
      'DuplicateGuardReserved claim-a',
      'DuplicateGuardReleased claim-a',
      'DuplicateGuardReserved claim-d',
    ]);
  });

  it('keeps no copy of streams read or written with remember: false, and drops one it held', async () => {
    await run(here, 'ReserveDuplicateGuard', 'claim-a');
    const [view] = await here.readMany([STREAM], duplicateGuardDecider, { fresh: true, remember: false });
    const { command: release, context } = command('ReleaseDuplicateGuard', 'claim-a');
    const prepared = await here.prepare(STREAM, duplicateGuardDecider, release, context, view, {
      remember: false,
    });
    await here.commit(prepared, context);
    // Nothing held: the next command reads the stream from the log.
    const reads = jest.spyOn(store, 'readStream');
    const reserved = await run(here, 'ReserveDuplicateGuard', 'claim-b');
    expect(reads).toHaveBeenCalledTimes(1);
    expect(reserved).toMatchObject({ state: { status: 'reserved', claimId: 'claim-b' }, revision: 2n });
    // Remembered again by that command: the one after decides without reading.
    await run(here, 'ReleaseDuplicateGuard', 'claim-b');
    expect(reads).toHaveBeenCalledTimes(1);
  });
});
