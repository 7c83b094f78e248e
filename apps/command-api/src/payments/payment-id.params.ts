import { Matches } from 'class-validator';
import { CLIENT_ID, CLIENT_ID_MESSAGE } from '../shared/ids';

export class PaymentIdParams {
  @Matches(CLIENT_ID, { message: `paymentId ${CLIENT_ID_MESSAGE}` })
  paymentId!: string;
}
