/**
 * PostgreSQL WAL positions (`pg_lsn`, written `16/B374D848`: the high and low 32 bits in hex)
 * as bigints, so they compare with `<`.
 */
export type Lsn = bigint;

/** Parse `X/Y`; throws on anything else (the server wrote it, so that would be a bug). */
export function parseLsn(text: string): Lsn {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text);
  if (m === null) throw new Error(`internal: not a pg_lsn: ${JSON.stringify(text)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** Back to PostgreSQL's text form. */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
