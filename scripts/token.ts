/**
 * Prints a development token: `npm run token -- --sub alice --roles employee,manager [--ttl 3600]`.
 * Signs HS256 with AUTH_JWT_SECRET, or with the development secret the embedded ledger generated
 * in LEDGER_DATA_DIR (created here if the ledger has not run yet).
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { dataDir, developmentSecret, KNOWN_ROLES } from '@ledger/infra';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    roles: { type: 'string', default: 'employee' },
    ttl: { type: 'string', default: '3600' },
    iss: { type: 'string' },
    aud: { type: 'string' },
  },
});

async function main(): Promise<void> {
  if (!values.sub)
    throw new Error('usage: npm run token -- --sub alice --roles employee,manager [--ttl 3600]');
  const roles = (values.roles ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !(KNOWN_ROLES as readonly string[]).includes(r));
  if (unknown.length)
    throw new Error(`unknown roles: ${unknown.join(', ')} (known: ${KNOWN_ROLES.join(', ')})`);
  const secret = process.env.AUTH_JWT_SECRET ?? developmentSecret(dataDir(process.env));
  let jwt = new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(values.sub)
    .setIssuedAt()
    .setExpirationTime(`${Number(values.ttl)}s`);
  const iss = values.iss ?? process.env.AUTH_JWT_ISSUER;
  const aud = values.aud ?? process.env.AUTH_JWT_AUDIENCE;
  if (iss) jwt = jwt.setIssuer(iss);
  if (aud) jwt = jwt.setAudience(aud);
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(secret))}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
