/** How far the projections have read the log: what the query API reports and waits on. */
export interface ProjectionProgress {
  /** The position up to which `projection` has applied the log (-1n before its first event). */
  position(projection: string): bigint;
  /** Resolves true once `projection` has reached `position`, false after `timeoutMs`. */
  waitFor(projection: string, position: bigint, timeoutMs: number): Promise<boolean>;
}

export const PROJECTION_PROGRESS = Symbol('ProjectionProgress');
