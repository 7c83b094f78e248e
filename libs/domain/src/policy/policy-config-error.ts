/** A configuration the ledger refuses to start with; `path` points into the JSON (`tiers[1].upTo`). */
export class PolicyConfigError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'PolicyConfigError';
  }
}
