'use strict';
// Protocol-level readiness probe used by scripts/servers/*.sh when the
// project's node_modules are installed (a bare TCP check would report ready
// before Kafka has a controller / before FerretDB has opened its backend).
//
//   node probe.cjs kafka 127.0.0.1:19092       -> Metadata request answered
//   node probe.cjs mongo mongodb://127.0.0.1:27018/  -> { ping: 1 } answered
//
// Exit 0 when healthy, 1 otherwise. Quiet unless PROBE_VERBOSE=1.
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const load = (name) => require(require.resolve(name, { paths: [root] }));
const verbose = process.env.PROBE_VERBOSE === '1';

async function kafka(brokers) {
  const { Kafka, logLevel } = load('kafkajs');
  const admin = new Kafka({
    clientId: 'ledger-servers-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  }).admin();
  await admin.connect();
  try {
    const { brokers: live } = await admin.describeCluster();
    if (live.length === 0) throw new Error('metadata lists no brokers');
  } finally {
    await admin.disconnect();
  }
}

// Without the driver: one raw OP_MSG { ping: 1, $db: 'admin' } over TCP.
function rawMongoPing(url) {
  const net = require('node:net');
  const { hostname, port } = new URL(url);
  const cstr = (s) => Buffer.from(`${s}\0`, 'utf8');
  const int32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  const elements = Buffer.concat([
    Buffer.from([0x10]),
    cstr('ping'),
    int32(1),
    Buffer.from([0x02]),
    cstr('$db'),
    int32(6),
    cstr('admin'),
    Buffer.from([0x00]),
  ]);
  const doc = Buffer.concat([int32(elements.length + 4), elements]);
  const body = Buffer.concat([int32(0), Buffer.from([0x00]), doc]); // flagBits, section kind 0
  const header = Buffer.concat([int32(16 + body.length), int32(1), int32(0), int32(2013)]); // OP_MSG
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port || 27017) });
    let buf = Buffer.alloc(0);
    socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(Buffer.concat([header, body])));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < buf.readInt32LE(0)) return;
      socket.end();
      // Look for the double element `ok` in the reply document.
      const at = buf.indexOf(Buffer.from([0x01, 0x6f, 0x6b, 0x00]), 21);
      if (at > 0 && buf.readDoubleLE(at + 4) === 1) resolve();
      else reject(new Error('ping not ok'));
    });
  });
}

async function mongo(url) {
  let MongoClient;
  try {
    ({ MongoClient } = load('mongodb'));
  } catch {
    return rawMongoPing(url);
  }
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
  try {
    await client.connect();
    const res = await client.db('admin').command({ ping: 1 });
    if (res.ok !== 1) throw new Error(`ping answered ${JSON.stringify(res)}`);
  } finally {
    await client.close();
  }
}

const [kind, target] = process.argv.slice(2);
const probes = { kafka, mongo };
if (!probes[kind] || !target) {
  console.error('usage: node probe.cjs kafka|mongo <target>');
  process.exit(2);
}
const timer = setTimeout(() => process.exit(1), 8000);
probes[kind](target).then(
  () => {
    clearTimeout(timer);
    process.exit(0);
  },
  (err) => {
    if (verbose) console.error(`${kind} probe failed: ${err.message}`);
    process.exit(1);
  },
);
