/**
 * One rule for every e-mail address the service takes (a solution's contact, the
 * multipliers, the authorities): exactly one plain address – no display name, no list,
 * no line break. An address ends up in a mail header; a line break there would add
 * headers (a Bcc to anyone), a comma a second recipient.
 */
export const MAIL_ADDRESS_PATTERN =
  "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$";

/** RFC 5321: 254 characters at most in a path. */
export const MAIL_ADDRESS_MAX_LENGTH = 254;

const MAIL_ADDRESS = new RegExp(MAIL_ADDRESS_PATTERN);

export function isMailAddress(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAIL_ADDRESS_MAX_LENGTH && MAIL_ADDRESS.test(value);
}
