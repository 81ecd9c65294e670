/**
 * Email addresses and phone numbers as visitors type them in a sentence. Deliberately loose: the
 * shell's contact upsert is the judge of what is a valid address or number; these only find
 * candidates and leave out what is plainly something else (dates, amounts, addresses of machines).
 */
const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;

/** Digits with the separators people put between them; a trailing full stop or a longer number is not part of it. */
const PHONE = /(?<![\w+/.-])\+?\(?\d[\d ().-]{5,23}\d(?![\w/]|[.-]\d)/g;

const MIN_PHONE_DIGITS = 7;
/** E.164 allows 15 digits at most. */
const MAX_PHONE_DIGITS = 15;
const NOT_A_PHONE = [
  /^\d{4}[.-]\d{1,2}[.-]\d{1,2}$/, // 2024-03-15
  /^\d{1,2}[.-]\d{1,2}[.-]\d{4}$/, // 15.03.2024
  /^\d{1,3}(?:\.\d{1,3}){3}$/, // 192.168.1.10
  /^\d+\.\d+$/, // 3.14159265
];

const distinct = (values) => {
  const seen = new Set();
  return values.filter((v) => {
    const key = v.toLowerCase();
    return !seen.has(key) && seen.add(key);
  });
};

export function findEmails(text) {
  return distinct(text.match(EMAIL) ?? []);
}

export function findPhones(text) {
  // An address such as ann+1234567@example.com is an email, not a phone number.
  const candidates = text.replace(EMAIL, ' ').match(PHONE) ?? [];
  return distinct(
    candidates.filter((c) => {
      const digits = c.replace(/\D/g, '').length;
      return digits >= MIN_PHONE_DIGITS && digits <= MAX_PHONE_DIGITS && !NOT_A_PHONE.some((re) => re.test(c));
    }),
  );
}

/** Everything in a text a contact could be found or created by. */
export function contactDetails(text) {
  return { emails: findEmails(text), phones: findPhones(text) };
}

/** The text without its email addresses and phone numbers: what is left of the question. */
export function withoutContactDetails(text) {
  let rest = text.replace(EMAIL, ' ');
  for (const phone of findPhones(rest)) rest = rest.split(phone).join(' ');
  return rest;
}
