import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Api, tokenFor } from '../http-client';

/**
 * What the bank-connector e2e and fault suites share: the people who submit, approve, dispatch and read,
 * claims taken to `approved` over HTTP, polling the read models until a payment is final, and one
 * stream's events read back as an auditor.
 */
export const PEOPLE: Readonly<Record<string, readonly string[]>> = {
  alice: ['employee'],
  mike: ['manager'],
  fiona: ['finance'],
  carl: ['cfo'],
  tina: ['treasurer'],
  audrey: ['auditor'],
};
const APPROVER_OF_LEVEL: Readonly<Record<string, string>> = {
  manager: 'mike',
  finance: 'fiona',
  cfo: 'carl',
};

export type Tokens = Readonly<Record<string, string>>;

export async function ledgerTokens(): Promise<Tokens> {
  const tokens: Record<string, string> = {};
  for (const [name, roles] of Object.entries(PEOPLE)) tokens[name] = await tokenFor(name, [...roles]);
  return tokens;
}

export interface ClaimSpec {
  readonly payeeIban: string;
  readonly amount: string;
  readonly currency?: string;
}

/** Submits a claim as alice and approves every level it needs; resolves with its id. */
export async function approvedClaim(api: Api, tokens: Tokens, spec: ClaimSpec): Promise<string> {
  const submitted = await api.post<{ claimId: string; requiredLevels: string[] }>('/claims', tokens.alice, {
    payee: { name: `Payee ${spec.payeeIban.slice(-4)}`, account: { iban: spec.payeeIban } },
    amount: { value: spec.amount, currency: spec.currency ?? 'EUR' },
    costCenter: 'CC-200',
    category: 'supplies',
    description: 'bank connector test',
    invoiceNumber: `INV-${randomUUID().slice(0, 12)}`,
  });
  if (submitted.status !== 201) throw new Error(`claim refused: ${JSON.stringify(submitted.body)}`);
  const { claimId, requiredLevels } = submitted.body;
  let status = '';
  for (const level of requiredLevels) {
    const approved = await api.post<{ status: string }>(
      `/claims/${claimId}/approvals`,
      tokens[APPROVER_OF_LEVEL[level]],
      {},
    );
    if (approved.status !== 200) throw new Error(`approval refused: ${JSON.stringify(approved.body)}`);
    status = approved.body.status;
  }
  if (status !== 'approved') throw new Error(`claim ${claimId} ended ${status}, not approved`);
  return claimId;
}

export interface DispatchReply {
  readonly batchId: string;
  readonly payments: ReadonlyArray<{ readonly claimId: string; readonly paymentId: string }>;
  readonly position: string | null;
  readonly replayed: boolean;
}

export interface PaymentView {
  readonly paymentId: string;
  readonly claimId: string;
  readonly status: string;
  readonly amount: { readonly value: string; readonly currency: string };
  readonly reasonCode?: string;
  readonly timeline: ReadonlyArray<{ readonly status: string; readonly reasonCode?: string }>;
}

/** Statuses after which the sandbox bank sends nothing more about a payment. */
const FINAL: Readonly<Record<string, (payment: PaymentView) => boolean>> = {
  settled: (p) => p.status === 'settled',
  rejected: (p) => p.status === 'rejected',
  returned: (p) => p.status === 'returned',
  failed: (p) => p.status === 'failed',
};

/**
 * Polls `GET /payments/:id` until the payment reaches `status` (and stays final), or throws with the last
 * view seen. Bank outcomes arrive asynchronously, so polling is the only honest wait.
 */
export async function paymentReaching(
  api: Api,
  token: string,
  paymentId: string,
  status: keyof typeof FINAL,
  timeoutMs = 30_000,
): Promise<PaymentView> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const reply = await api.get<PaymentView>(`/payments/${paymentId}`, token);
    last = reply.body;
    if (reply.status === 200 && FINAL[status](reply.body)) return reply.body;
    if (Date.now() > deadline) {
      throw new Error(
        `payment ${paymentId} did not reach ${status} in ${timeoutMs} ms: ${JSON.stringify(last)}`,
      );
    }
    await sleep(100);
  }
}

export interface AuditEvent {
  readonly position: string;
  readonly streamId: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** One stream's events as an auditor reads them (`GET /audit/streams/:stream`, NDJSON). */
export async function auditStream(
  baseUrl: string,
  auditorToken: string,
  stream: string,
): Promise<AuditEvent[]> {
  const response = await fetch(`${baseUrl}/audit/streams/${encodeURIComponent(stream)}`, {
    headers: { authorization: `Bearer ${auditorToken}` },
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`audit read of ${stream}: ${response.status} ${text}`);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEvent);
}
