/**
 * Batches are sent several at a time but may finish in any order; the checkpoint may only move past a
 * position once every batch at or before it is done, so a crash resends the unfinished ones (the bank
 * deduplicates them) and never skips one.
 */
export class InOrderCheckpoint {
  private readonly inFlight = new Set<bigint>();
  private highestSeen: bigint | null = null;

  begin(position: bigint): void {
    this.inFlight.add(position);
    if (this.highestSeen === null || position > this.highestSeen) this.highestSeen = position;
  }

  /** Marks the position done; returns the position now safe to store, or null if none moved. */
  done(position: bigint): bigint | null {
    this.inFlight.delete(position);
    return this.safePosition();
  }

  safePosition(): bigint | null {
    if (this.highestSeen === null) return null;
    let lowest: bigint | null = null;
    for (const p of this.inFlight) if (lowest === null || p < lowest) lowest = p;
    return lowest === null ? this.highestSeen : lowest - 1n;
  }

  get pending(): number {
    return this.inFlight.size;
  }
}
