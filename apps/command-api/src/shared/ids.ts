/** Client-chosen ids: the same alphabet the domain accepts, bounded. */
export const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const CLIENT_ID_MESSAGE = 'must be 1 to 128 letters, digits or . _ : -';
