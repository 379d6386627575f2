/**
 * Whether a `Content-Type` value has the given essence (`type/subtype`). Parameters such as
 * `;charset=utf-8` are ignored and the comparison is ASCII case-insensitive, as in the WHATWG MIME
 * Sniffing standard's "essence". A missing header never matches.
 */
export function hasMimeEssence(contentType: string | null, essence: string): boolean {
  if (contentType === null) return false;
  const semicolon = contentType.indexOf(';');
  const value = semicolon === -1 ? contentType : contentType.slice(0, semicolon);
  return value.trim().toLowerCase() === essence;
}
