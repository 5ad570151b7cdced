/** A stream entry as XREADGROUP and XAUTOCLAIM return it; fields null once trimmed. */
export interface StreamEntry {
  id: string;
  fields: string[] | null;
}

/**
 * The entries of a single-stream XREADGROUP reply: RESP2 gives [[stream, entries]], RESP3
 * (ioredis' default) a map that arrives flattened as [stream, entries]; null when none.
 */
export function readReplyEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const items: unknown = Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : reply[1];
  return parseEntries(items);
}

export function parseEntries(items: unknown): StreamEntry[] {
  if (!Array.isArray(items)) return [];
  return items.map((item) => {
    const [id, fields] = item as [unknown, unknown];
    return { id: String(id), fields: Array.isArray(fields) ? fields.map(String) : null };
  });
}

/** XINFO's flat [name, value, name, value, ...] replies as an object. */
export function replyRecord(raw: unknown): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  if (!Array.isArray(raw)) return record;
  for (let i = 0; i + 1 < raw.length; i += 2) record[String(raw[i])] = raw[i + 1];
  return record;
}
