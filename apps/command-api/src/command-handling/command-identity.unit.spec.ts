import { commandIdFor, eventIdFor, requestHashOf } from './command-identity';

/*
 * Ids derived today must be the ids derived by every later version: a retry after an upgrade appends
 * the same event ids, which the event store takes as already done. These values were computed with
 * the first implementation (createHash('sha256')) and pin the derivation.
 */
describe('command identity', () => {
  it('derives the same command and event ids as always', () => {
    expect(commandIdFor('treasurer-1', 'key-1')).toBe('bfe021f7-f7de-8659-a02f-c6fc09120a62');
    expect(eventIdFor('cmd', 'payment-p1', 'hash', 0, 'PaymentSettled')).toBe(
      'b283358e-d24f-8efe-b7f0-a9ce5775c746',
    );
  });

  it('fingerprints a request by route and canonical body, whatever the key order', () => {
    const expected = 'Y45ZQWGTg8wTX0NeYMVSPeMQSQPsGjP_UojxRqNeMoM';
    expect(requestHashOf('POST /claims', { a: 1, b: 'x' })).toBe(expected);
    expect(requestHashOf('POST /claims', { b: 'x', a: 1 })).toBe(expected);
    expect(requestHashOf('POST /claims', { a: 2, b: 'x' })).not.toBe(expected);
  });

  it('gives a command without an idempotency key a fresh id each time', () => {
    expect(commandIdFor('treasurer-1', undefined)).not.toBe(commandIdFor('treasurer-1', undefined));
  });
});
