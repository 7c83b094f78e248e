import { BankGateway, BankMessageEnvelope } from '../bank-gateway/bank-gateway.port';
import { BankConnectorConfig } from '../config/bank-connector.config';
import { ConnectorState } from '../state/connector-state';
import { BankFeedPoller } from './bank-feed-poller';
import { BankMessageIntake } from './bank-message-intake';

/** A feed in memory that, like the in-process sandbox, tells its listener when it publishes. */
class NotifyingFeed implements BankGateway {
  readonly messages: string[] = [];
  private listener?: () => void;

  publish(jws: string): void {
    this.messages.push(jws);
    this.listener?.();
  }
  async submitCreditTransfers(): Promise<string> {
    throw new Error('not used');
  }
  async fetchMessages(cursor: string | undefined, limit: number): Promise<readonly BankMessageEnvelope[]> {
    const after = cursor === undefined ? 0 : Number(cursor);
    return this.messages
      .slice(after, after + limit)
      .map((jws, i) => ({ cursor: String(after + i + 1), jws }));
  }
  onMessages(listener: () => void): () => void {
    this.listener = listener;
    return () => (this.listener = undefined);
  }
  async close(): Promise<void> {}
}

describe('BankFeedPoller', () => {
  it('reads the feed as soon as the gateway says the bank published, not at the next poll', async () => {
    const feed = new NotifyingFeed();
    const received: string[] = [];
    let cursor: string | undefined;
    const state = {
      feedCursor: async () => cursor,
      saveFeedCursor: async (next: string) => void (cursor = next),
    } as unknown as ConnectorState;
    const intake = {
      receive: async (jws: string) => void received.push(jws),
    } as unknown as BankMessageIntake;
    // An interval no test waits out.
    const config = { pollIntervalMs: 600_000, retryBaseMs: 10, retryMaxMs: 10 } as BankConnectorConfig;
    const poller = new BankFeedPoller(feed, config, state, intake);
    await poller.start();
    try {
      for (const jws of ['m1', 'm2']) {
        feed.publish(jws);
        for (let i = 0; i < 200 && !received.includes(jws); i++) await new Promise((r) => setTimeout(r, 5));
      }
      expect(received).toEqual(['m1', 'm2']);
      expect(cursor).toBe('2');
    } finally {
      await poller.stop();
    }
  });
});
