/**
 * Callers waiting for read models to reach a log position (`?minPosition=`, read-your-writes), each
 * for a subject (a projection, or all of them) and with its own time limit.
 */
export class PositionWaiters<Subject> {
  private readonly waiters = new Set<{
    readonly subject: Subject;
    readonly position: bigint;
    readonly resolve: (reached: boolean) => void;
    readonly timer: NodeJS.Timeout;
  }>();

  constructor(private readonly reached: (subject: Subject, position: bigint) => boolean) {}

  /** Resolves true once `subject` has reached `position`, false after `timeoutMs`. */
  wait(subject: Subject, position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.reached(subject, position)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        subject,
        position,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Lets go of every waiter whose position is reached now. */
  notify(): void {
    for (const waiter of this.waiters) {
      if (!this.reached(waiter.subject, waiter.position)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(true);
    }
  }

  /** Answers every waiter now (on stopping): whether its position is reached. */
  settleAll(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(this.reached(waiter.subject, waiter.position));
    }
    this.waiters.clear();
  }
}
