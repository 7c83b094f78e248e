/**
 * A consumer in its own process for the cross-process tests: joins `group` on `topic` of the
 * embedded bus in `file` and prints `handled <value> <partition>` for each message it handles.
 */
import { EmbeddedMessageBus } from '@ledger/infra/bus';

const [file, groupId, topic] = process.argv.slice(2);
const bus = new EmbeddedMessageBus({ file, heartbeatIntervalMs: 100, sessionTimeoutMs: 1_500 });

void bus
  .subscribe({ groupId, topics: [topic] }, async (message) => {
    process.stdout.write(`handled ${message.value} ${message.partition}\n`);
  })
  .then(() => process.stdout.write('ready\n'));
process.on('SIGTERM', () => void bus.close().then(() => process.exit(0)));
