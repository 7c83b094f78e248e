import { Decider } from '../decider';
import { DomainError } from '../domain-error';
import { deepEqual, spec } from './decider-spec';

type Counter = { count: number };
type Cmd = { type: 'Add'; by: number } | { type: 'Fail' } | { type: 'Mutate' } | { type: 'Big' };
type Ev = { type: 'Added'; data: { by: number | bigint; note?: string } };

const counter: Decider<Counter, Cmd, Ev> = {
  initialState: () => ({ count: 0 }),
  evolve: (state, event) => ({ count: state.count + Number(event.data.by) }),
  decide(command, state) {
    switch (command.type) {
      case 'Add':
        return [{ type: 'Added', data: { by: command.by } }];
      case 'Fail':
        throw new DomainError('CLAIM.NOT_FOUND', 'nope', { count: state.count });
      case 'Mutate':
        state.count += 1;
        return [];
      case 'Big':
        return [{ type: 'Added', data: { by: 1n } }];
    }
  },
};

describe('decider spec helper', () => {
  const added = (by: number): Ev => ({ type: 'Added', data: { by } });

  it('passes when the events match', () => {
    spec(counter)
      .given([added(1)])
      .when({ type: 'Add', by: 2 })
      .then([added(2)]);
  });

  it('fails when the events differ, including an undefined field', () => {
    expect(() =>
      spec(counter)
        .given([])
        .when({ type: 'Add', by: 2 })
        .then([added(3)]),
    ).toThrow('unexpected events');
    expect(() =>
      spec(counter)
        .given([])
        .when({ type: 'Add', by: 2 })
        .then([{ type: 'Added', data: { by: 2, note: undefined } }]),
    ).toThrow('unexpected events');
  });

  it('fails on events that are not JSON data', () => {
    expect(() => spec(counter).given([]).when({ type: 'Big' }).then([])).toThrow('not JSON-serialisable');
  });

  it('fails when decide mutates its state', () => {
    expect(() => spec(counter).given([]).when({ type: 'Mutate' }).then([])).toThrow(TypeError);
  });

  it('checks the code and details of a refusal', () => {
    spec(counter)
      .given([added(1)])
      .when({ type: 'Fail' })
      .thenThrows('CLAIM.NOT_FOUND', { count: 1 });
    expect(() => spec(counter).given([]).when({ type: 'Fail' }).thenThrows('CLAIM.DUPLICATE')).toThrow(
      'got CLAIM.NOT_FOUND',
    );
    expect(() =>
      spec(counter).given([]).when({ type: 'Fail' }).thenThrows('CLAIM.NOT_FOUND', { count: 5 }),
    ).toThrow('details.count');
    expect(() => spec(counter).given([]).when({ type: 'Add', by: 1 }).thenThrows('CLAIM.NOT_FOUND')).toThrow(
      'got events',
    );
  });

  it('compares plain data structurally', () => {
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: [1] }, { a: { 0: 1 } })).toBe(false);
    expect(deepEqual({ a: undefined }, {})).toBe(false);
  });
});
