/**
 * Runs `work` over `items` with at most `limit` in flight and returns the results in input
 * order. After a failure no further item starts; once those in flight have settled, the first
 * error is thrown (so no query or statement is left running behind the caller's cleanup).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]);
      } catch (error) {
        errors.push(error);
        next = items.length;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
