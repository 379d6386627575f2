/**
 * C0 controls, DEL, C1 controls and Unicode format characters (general category Cf: bidirectional
 * and zero-width controls). Mercure forbids them in topics, ids, types and matcher values: they are
 * invisible, so they let one identifier pass for another; in id and type a CR or LF would also end
 * an SSE field. Node's Unicode tables are those of its ICU (17.0 in Node 20.20), the version the
 * spec cites or a later one, which it allows ("hubs MAY also reject characters that later Unicode
 * versions assign").
 */
export const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\p{Cf}]/u;
