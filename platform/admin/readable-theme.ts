/**
 * What every admin page adds to its theme so that it can be read and used by keyboard: a grey
 * dark enough for text, and a focus ring on whatever has the keyboard's focus.
 */

/**
 * AdminJS's grey for labels, sidebar links and outlined badges (#898A9A) reads at 3.2:1 on its
 * page background; this one at 4.9:1 there and 5.2:1 on white (4.5:1 is the least for text).
 * A theme that names its own grey60 keeps it.
 */
const READABLE = { grey60: '#6b6c7c' };

/** A theme (AdminJS's branding.theme) with the readable colours beneath its own. */
export function readableTheme<T extends { colors?: Record<string, string> }>(theme: T | undefined): T {
  return { ...(theme as T), colors: { ...READABLE, ...theme?.colors } };
}

const HEX = /^#[0-9a-fA-F]{6}$/;

/**
 * The focus ring, in the theme's primary colour: AdminJS draws none on links and menu entries,
 * and its buttons and inputs take theirs away (`outline: none`, in rules more specific than any
 * page-wide one, hence `!important`). Its hidden checkboxes show the ring on the box beside them.
 */
export function focusCss(primary: unknown): string {
  const ring = typeof primary === 'string' && HEX.test(primary) ? primary : '#3b4cca';
  return `:focus-visible { outline: 2px solid ${ring} !important; outline-offset: 2px; }
.adminjs_Checkbox input:focus-visible + a { outline: 2px solid ${ring}; outline-offset: 2px; }`;
}
