/** Where the sandbox bank reads the time: injected so tests decide when transfers settle. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told: `advance(ms)` or `set(date)`. Never goes backwards. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2026-01-05T09:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a clock only moves forwards');
    this.current += ms;
  }

  set(date: Date | string): void {
    const next = new Date(date).getTime();
    if (!(next >= this.current)) throw new RangeError('a clock only moves forwards');
    this.current = next;
  }
}
