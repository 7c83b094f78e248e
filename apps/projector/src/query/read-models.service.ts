import { Inject, Injectable } from '@nestjs/common';
import { READ_STORE, ReadModelDocument, ReadQuery, ReadStore } from '@ledger/projections';
import { findAllDocuments, ProblemError } from '@ledger/infra';
import { PROJECTION_PROGRESS, ProjectionProgress } from './projection-progress';
import { MAX_WAIT_MS } from './query-params';

export interface ReadModelPage<T = ReadModelDocument> {
  readonly items: T[];
  readonly next?: string;
  /** The log position the read model reflects: every event up to it is in these answers. */
  readonly position: string;
}

/**
 * Queries read models on behalf of the HTTP API, honouring `?minPosition=`: a client that just wrote
 * at position N asks for N and gets an answer that includes its write, or a 503 after a bounded wait.
 */
@Injectable()
export class ReadModelsService {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(PROJECTION_PROGRESS) private readonly progress: ProjectionProgress,
  ) {}

  async page(
    projection: string,
    collection: string,
    query: ReadQuery,
    minPosition?: bigint,
  ): Promise<ReadModelPage> {
    const position = await this.reach(projection, minPosition);
    const page = await this.store.find(collection, query);
    return {
      items: page.items.map(strip),
      ...(page.next ? { next: page.next } : {}),
      position: position.toString(),
    };
  }

  async get(projection: string, collection: string, id: string, minPosition?: bigint) {
    const position = await this.reach(projection, minPosition);
    const document = await this.store.get(collection, id);
    return { document: document ? strip(document) : undefined, position: position.toString() };
  }

  async all(
    projection: string,
    collection: string,
    query: Omit<ReadQuery, 'limit' | 'after'>,
    minPosition?: bigint,
  ) {
    const position = await this.reach(projection, minPosition);
    const items = (await findAllDocuments(this.store, collection, query)).map(strip);
    return { items, position: position.toString() };
  }

  private async reach(projection: string, minPosition: bigint | undefined): Promise<bigint> {
    if (minPosition !== undefined && this.progress.position(projection) < minPosition) {
      const reached = await this.progress.waitFor(projection, minPosition, MAX_WAIT_MS);
      if (!reached) {
        throw new ProblemError(
          503,
          'READ_MODEL.BEHIND',
          `the ${projection} read model has not reached position ${minPosition} yet; retry shortly`,
          { position: this.progress.position(projection).toString(), minPosition: minPosition.toString() },
        );
      }
    }
    return this.progress.position(projection);
  }
}

/** Read models carry their bookkeeping field `lastPosition`; clients get the document as the projection wrote it. */
function strip(document: ReadModelDocument): ReadModelDocument {
  const { lastPosition: _lastPosition, ...rest } = document;
  return rest as ReadModelDocument;
}
