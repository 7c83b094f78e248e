import { Iso20022Error } from '../iso20022.error';
import { datePart, isoDate, isoDateTime } from './fields';

/** Dates are checked against the Gregorian calendar, leap years included, in every form a message carries. */
describe('ISO 20022 dates', () => {
  const refused = (read: () => string) => {
    try {
      read();
    } catch (error) {
      return error instanceof Iso20022Error ? error.code : String(error);
    }
    return 'accepted';
  };

  it.each(['2024-02-29', '2000-02-29', '2025-01-31', '2025-04-30', '2025-12-31', '0001-01-01', '0099-03-01'])(
    'accepts %s',
    (date) => {
      expect(isoDate(date, 'd')).toBe(date);
      expect(isoDateTime(`${date}T09:30:00Z`, 'dt')).toBe(`${date}T09:30:00Z`);
      expect(datePart(`${date}T09:30:00+01:00`, 'booked')).toBe(date);
    },
  );

  it.each([
    '2025-02-29',
    '2100-02-29',
    '1900-02-29',
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '0000-01-01',
  ])('refuses %s', (date) => {
    expect(refused(() => isoDate(date, 'd'))).toBe('ISO20022.INVALID_FIELD');
    expect(refused(() => isoDateTime(`${date}T09:30:00Z`, 'dt'))).toBe('ISO20022.INVALID_FIELD');
    expect(refused(() => datePart(date, 'booked'))).toBe('ISO20022.INVALID_FIELD');
  });
});
