/**
 * How one save is cut into DynamoDB transactions: rounds in which no item key
 * appears twice (TransactWriteItems refuses two actions on one item), and chunks
 * within the per-transaction limits. Pure; the event store runs the result.
 */

/** TransactWriteItems takes at most 100 actions... */
export const MAX_TRANSACTION_ITEMS = 100;
/**
 * ...and at most 4 MB of items. Our size is the item's JSON, which overstates
 * DynamoDB's own count (quotes, braces) for everything but numbers; the headroom
 * under 4 MiB covers the numbers.
 */
export const MAX_TRANSACTION_BYTES = 4_000_000;

export interface TransactionLimits {
  maxItems: number;
  maxBytes: number;
}

export const TRANSACTION_LIMITS: TransactionLimits = { maxItems: MAX_TRANSACTION_ITEMS, maxBytes: MAX_TRANSACTION_BYTES };

/**
 * Positions of `items` grouped in rounds: round k holds the k-th lowest version
 * of every key, so several versions of one event are written lowest first, one
 * round after the other. Within a round, positions keep the input order.
 */
export function writeRounds(items: readonly { pk: string; version: number }[]): number[][] {
  const byKey = new Map<string, number[]>();
  items.forEach((item, position) => byKey.set(item.pk, [...(byKey.get(item.pk) ?? []), position]));
  const rounds: number[][] = [];
  for (const positions of byKey.values()) {
    // A stable sort: equal versions (the caller's business) keep their order.
    const lowestFirst = [...positions].sort((a, b) => items[a].version - items[b].version);
    lowestFirst.forEach((position, round) => (rounds[round] ??= []).push(position));
  }
  return rounds.map((round) => round.sort((a, b) => a - b));
}

/**
 * Cuts a round into transactions of at most `maxItems` items and `maxBytes`
 * bytes (by `sizeOf`). An item larger than the byte limit on its own still gets
 * a transaction of its own, where DynamoDB's validation names the problem.
 */
export function transactionChunks(positions: readonly number[], sizeOf: (position: number) => number, limits: TransactionLimits = TRANSACTION_LIMITS): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const position of positions) {
    const size = sizeOf(position);
    if (current.length > 0 && (current.length >= limits.maxItems || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(position);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The size the byte limit is checked against: the item's UTF-8 JSON. */
export function itemBytes(item: unknown): number {
  return Buffer.byteLength(JSON.stringify(item), 'utf8');
}
