import { Partitioners } from 'kafkajs';
import { partitionForKey } from './key-partitioner';

describe('partitionForKey', () => {
  // kafkajs's default partitioner is the Java client's: agreeing with it means the embedded bus and
  // Kafka put a key on the same partition.
  const kafkajs = Partitioners.DefaultPartitioner();
  const keys = [
    '',
    'a',
    'ab',
    'abc',
    'abcd',
    'payment-0f8c2a',
    'Überweisung-ß-✓',
    ...Array.from({ length: 500 }, (_, i) => `receipt-${i * 7919}`),
  ];

  it.each([1, 3, 8, 16, 100])('matches the Kafka default partitioner over %i partitions', (count) => {
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    for (const key of keys) {
      const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
      expect([key, partitionForKey(key, count)]).toEqual([key, expected]);
    }
  });

  it('spreads keys over every partition', () => {
    const used = new Set(keys.map((key) => partitionForKey(key, 8)));
    expect(used.size).toBe(8);
  });
});
