import { projectionsContract } from '../../../../test/contracts/projections.contract';
import { MongoReadStore } from '../read-store/mongo-read-store';

/** The projections against MongoDB (FerretDB in CI): runs where MONGO_URL is set, says why otherwise. */
const url = process.env.MONGO_URL;
if (url) {
  jest.setTimeout(300_000);
  projectionsContract(
    `MongoDB wire protocol at ${url}`,
    async (namespace) => new MongoReadStore({ url, namespace }),
  );
} else {
  const reason =
    'projections on MongoDB skipped: MONGO_URL is not set (CI sets it to the FerretDB that scripts/servers/ferretdb.sh starts).';
  process.stdout.write(`\n${reason}\n`);
  describe('projections on MongoDB', () => {
    it.skip(reason, () => undefined);
  });
}
