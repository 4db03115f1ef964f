/** Compares query rows with oracle rows: same order and keys; numbers within a tolerance, nulls exact. */
import type { Row } from '../../lambdas/adapters/query-engine';

export function expectRowsClose(actual: Row[], expected: Record<string, unknown>[], tolerance = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((want, index) => {
    const got = actual[index];
    for (const [column, value] of Object.entries(want)) {
      const where = `row ${index} (${String(want.scope ?? '')}) column ${column}`;
      if (typeof value === 'number' && typeof got[column] === 'number') {
        if (Math.abs((got[column] as number) - value) >= tolerance) {
          throw new Error(`${where}: SQL ${String(got[column])} ≠ oracle ${value}`);
        }
      } else if (got[column] !== value) {
        throw new Error(`${where}: SQL ${JSON.stringify(got[column])} ≠ oracle ${JSON.stringify(value)}`);
      }
    }
  });
}
