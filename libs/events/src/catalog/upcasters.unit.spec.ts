import { LedgerEvent } from '../envelope';
import { ClaimSubmittedData } from './claim-events';
import { CURRENT_SCHEMA_VERSIONS } from './schema-versions';
import { isIbanAccount } from './shared';
import { ClaimSubmittedV1Data, ledgerUpcasters } from './upcasters';

const metadata = (schemaVersion: number) => ({
  eventId: 'evt-1',
  correlationId: 'corr-1',
  causationId: 'cmd-1',
  actor: { subject: 'alice', roles: [] },
  occurredAt: '2024-11-02T10:00:00.000Z',
  schemaVersion,
});

const v1: ClaimSubmittedV1Data = {
  claimId: 'claim-7',
  claimant: 'alice',
  payeeName: 'Alice Martin',
  payeeIban: 'DE89370400440532013000',
  amount: { value: '120.00', currency: 'EUR' },
  costCenter: 'CC-100',
  category: 'meals',
  description: 'Team lunch',
  invoiceNumber: 'R-2024-001',
  requiredLevels: ['manager'],
};

describe('ledgerUpcasters', () => {
  it('upcasts a pilot ClaimSubmitted v1 to v2 with a nested payee', () => {
    const event: LedgerEvent<'ClaimSubmitted', ClaimSubmittedV1Data> = {
      type: 'ClaimSubmitted',
      data: v1,
      metadata: metadata(1),
    };
    const upcast = ledgerUpcasters.upcast(event as LedgerEvent);
    const expected: ClaimSubmittedData = {
      claimId: 'claim-7',
      claimant: 'alice',
      payee: { name: 'Alice Martin', account: { iban: 'DE89370400440532013000' } },
      amount: { value: '120.00', currency: 'EUR' },
      costCenter: 'CC-100',
      category: 'meals',
      description: 'Team lunch',
      invoiceNumber: 'R-2024-001',
      requiredLevels: ['manager'],
    };
    expect(upcast.data).toStrictEqual(expected);
    expect(isIbanAccount((upcast.data as ClaimSubmittedData).payee.account)).toBe(true);
    expect(upcast.metadata).toStrictEqual(metadata(2));
    expect(upcast.metadata.schemaVersion).toBe(CURRENT_SCHEMA_VERSIONS.ClaimSubmitted);
    expect(event.data).toBe(v1); // the stored event is left untouched
  });

  it('leaves the invoice number absent when v1 had none', () => {
    const { invoiceNumber: _none, ...withoutInvoice } = v1;
    const upcast = ledgerUpcasters.upcast({
      type: 'ClaimSubmitted',
      data: withoutInvoice,
      metadata: metadata(1),
    });
    expect(upcast.data).not.toHaveProperty('invoiceNumber');
    expect(upcast.data).not.toHaveProperty('payeeName');
    expect(JSON.parse(JSON.stringify(upcast.data))).toStrictEqual(upcast.data);
  });

  it('passes current versions and other types through unchanged', () => {
    const v2 = { type: 'ClaimSubmitted', data: { claimId: 'claim-8' }, metadata: metadata(2) };
    expect(ledgerUpcasters.upcast(v2)).toBe(v2);
    const other = {
      type: 'ClaimApproved',
      data: { claimId: 'claim-8', approvals: [] },
      metadata: metadata(1),
    };
    expect(ledgerUpcasters.upcast(other)).toBe(other);
  });
});
