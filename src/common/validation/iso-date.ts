/** A calendar date `YYYY-MM-DD` (the value must also exist: check with a date library). */
export const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
