import { Matches } from 'class-validator';
import { CLIENT_ID, CLIENT_ID_MESSAGE } from '../shared/ids';

export class ClaimIdParams {
  @Matches(CLIENT_ID, { message: `claimId ${CLIENT_ID_MESSAGE}` })
  claimId!: string;
}
