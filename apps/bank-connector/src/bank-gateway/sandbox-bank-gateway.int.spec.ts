import { bankGatewayContract } from '../../../../test/contracts/bank-gateway.contract';
import { SandboxBankGateway } from './sandbox-bank-gateway';

// The default adapter: the sandbox bank in the same process.
bankGatewayContract('sandbox bank in process', async (bank) => ({
  gateway: new SandboxBankGateway(bank),
  bankPublicJwk: async () => bank.publicJwk(),
  endOfDay: async (date) => {
    await bank.closeDay(date);
  },
  close: async () => undefined,
}));
