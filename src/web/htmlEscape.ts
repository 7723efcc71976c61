const SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text made safe for HTML element content and quoted attribute values alike, so no caller has to
 * know which of the two it writes into. Most texts (probe names, states) hold none of the five
 * characters: they are returned as they are, without a copy.
 */
export function htmlEscape(text: string): string {
  SPECIAL.lastIndex = 0;
  return SPECIAL.test(text) ? text.replace(SPECIAL, (char) => ENTITY[char]!) : text;
}
