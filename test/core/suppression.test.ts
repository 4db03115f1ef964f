import fc from 'fast-check';
import {
  suppressTable,
  totalOfOtherRows,
  SuppressionInputError,
  type CountTable,
  type SuppressedTable,
} from '../../lambdas/core/suppression';

/**
 * Independent derivability check (exact rational arithmetic, rank test): a suppressed
 * cell x is recoverable iff adding the row e_x to the relation matrix restricted to
 * unknown cells does not raise its rank. Written separately from the module's own audit.
 */
type Fraction = [bigint, bigint];
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
const norm = ([n, d]: Fraction): Fraction => {
  if (n === 0n) return [0n, 1n];
  const g = gcd(n, d) * (d < 0n ? -1n : 1n);
  return [n / g, d / g];
};
const sub = (a: Fraction, b: Fraction): Fraction => norm([a[0] * b[1] - b[0] * a[1], a[1] * b[1]]);
const mul = (a: Fraction, b: Fraction): Fraction => norm([a[0] * b[0], a[1] * b[1]]);
const div = (a: Fraction, b: Fraction): Fraction => norm([a[0] * b[1], a[1] * b[0]]);

function rank(matrix: Fraction[][]): number {
  const rows = matrix.map((row) => row.slice());
  let r = 0;
  const width = rows[0]?.length ?? 0;
  for (let c = 0; c < width && r < rows.length; c++) {
    const pivot = rows.findIndex((row, index) => index >= r && row[c][0] !== 0n);
    if (pivot < 0) continue;
    [rows[r], rows[pivot]] = [rows[pivot], rows[r]];
    for (let other = r + 1; other < rows.length; other++) {
      if (rows[other][c][0] === 0n) continue;
      const factor = div(rows[other][c], rows[r][c]);
      rows[other] = rows[other].map((value, k) => sub(value, mul(factor, rows[r][k])));
    }
    r++;
  }
  return r;
}

interface Cell {
  row: string;
  column: string;
}

/** Rebuilds the relations a reader knows from the table definition (sums and rate complements) and checks them. */
function recoverableCells(table: CountTable, result: SuppressedTable): Cell[] {
  const cells: Cell[] = [];
  const index = new Map<string, number>();
  const keyOf = (cell: Cell) => `${cell.row}|${cell.column}`;
  const cellIndex = (cell: Cell) => {
    if (!index.has(keyOf(cell))) {
      index.set(keyOf(cell), cells.length);
      cells.push(cell);
    }
    return index.get(keyOf(cell))!;
  };
  const rowKeys = table.rows.map((row) => String(row[table.key]));
  const relations: { cell: number; coefficient: number }[][] = [];
  const complementColumns = (table.rates ?? []).map((rate) => `~${rate.denominator}-${rate.numerator}`);
  const allCounts = [...table.counts, ...complementColumns];
  for (const sum of table.rowSums ?? []) {
    for (const column of allCounts) {
      relations.push([
        { cell: cellIndex({ row: sum.total, column }), coefficient: 1 },
        ...sum.parts.map((part) => ({ cell: cellIndex({ row: part, column }), coefficient: -1 })),
      ]);
    }
  }
  for (const sum of table.columnSums ?? []) {
    for (const row of rowKeys) {
      relations.push([
        { cell: cellIndex({ row, column: sum.total }), coefficient: 1 },
        ...sum.parts.map((part) => ({ cell: cellIndex({ row, column: part }), coefficient: -1 })),
      ]);
    }
  }
  (table.rates ?? []).forEach((rate, rateIndex) => {
    for (const row of rowKeys) {
      relations.push([
        { cell: cellIndex({ row, column: rate.denominator }), coefficient: 1 },
        { cell: cellIndex({ row, column: rate.numerator }), coefficient: -1 },
        { cell: cellIndex({ row, column: complementColumns[rateIndex] }), coefficient: -1 },
      ]);
    }
  });
  const unknown = (cell: Cell) => cell.column.startsWith('~') || result.reasonOf(cell.row, cell.column) !== undefined;
  const unknownIndexes = cells.map((cell, i) => (unknown(cell) ? i : -1)).filter((i) => i >= 0);
  const matrix: Fraction[][] = relations.map((relation) =>
    unknownIndexes.map((u): Fraction => [BigInt(relation.filter((entry) => entry.cell === u).reduce((s, e) => s + e.coefficient, 0)), 1n]),
  );
  const baseRank = matrix.length > 0 ? rank(matrix) : 0;
  const valueOf = (cell: Cell): number => {
    const row = table.rows[rowKeys.indexOf(cell.row)];
    if (!cell.column.startsWith('~')) return row[cell.column] as number;
    const rate = (table.rates ?? [])[complementColumns.indexOf(cell.column)];
    return (row[rate.denominator] as number) - (row[rate.numerator] as number);
  };
  return unknownIndexes
    .filter((u) => {
      const cell = cells[u];
      const small = valueOf(cell) >= 1 && valueOf(cell) <= 10;
      if (cell.column.startsWith('~') && !small) return false; // large complements may be derivable
      const probe: Fraction[] = unknownIndexes.map((other): Fraction => [other === u ? 1n : 0n, 1n]);
      return rank([...matrix, probe]) === baseRank;
    })
    .map((u) => cells[u]);
}

function gridTable(rowsByClinic: Record<string, number[]>, columns: string[]): CountTable {
  const rows = Object.entries(rowsByClinic).map(([scope, values]) => ({
    scope,
    ...Object.fromEntries(columns.map((column, i) => [column, values[i]])),
    total: values.reduce((a, b) => a + b, 0),
  }));
  const all = {
    scope: 'all',
    ...Object.fromEntries(columns.map((column, i) => [column, rows.reduce((s, row) => s + (row[column as keyof typeof row] as number), 0) + 0 * i])),
    total: rows.reduce((s, row) => s + row.total, 0),
  };
  const table: CountTable = { key: 'scope', rows: [...rows, all], counts: [...columns, 'total'] };
  return {
    ...table,
    rowSums: [totalOfOtherRows(table, 'all')],
    columnSums: [{ total: 'total', parts: columns }],
  };
}

describe('suppressTable', () => {
  it('should suppress counts 1 to 10 and keep 0 and 11', () => {
    // Prepare
    const table: CountTable = {
      key: 'scope',
      rows: [{ scope: 'a', zero: 0, one: 1, ten: 10, eleven: 11 }],
      counts: ['zero', 'one', 'ten', 'eleven'],
    };

    // Act
    const result = suppressTable(table, { maxCount: 10 });

    // Assess
    expect(result.rows[0]).toEqual({ scope: 'a', zero: 0, one: null, ten: null, eleven: 11 });
    expect(result.reasonOf('a', 'one')).toBe('primary');
    expect(result.reasonOf('a', 'eleven')).toBeUndefined();
    expect(result.audit.passed).toBe(true);
  });

  it('should hide the next-smallest clinic when one clinic is suppressed and an overall row is shown', () => {
    // Prepare: 'all' = a + b + c, so a alone could be recovered by subtraction
    const rows = [
      { scope: 'a', episodes: 4 },
      { scope: 'b', episodes: 30 },
      { scope: 'c', episodes: 25 },
      { scope: 'all', episodes: 59 },
    ];
    const table: CountTable = { key: 'scope', rows, counts: ['episodes'] };

    // Act
    const result = suppressTable({ ...table, rowSums: [totalOfOtherRows(table, 'all')] });

    // Assess
    expect(result.rows.map((row) => row.episodes)).toEqual([null, 30, null, 59]);
    expect(result.reasonOf('a', 'episodes')).toBe('primary');
    expect(result.reasonOf('c', 'episodes')).toBe('complementary');
  });

  it('should suppress a rate, its interval and a mean built on a small denominator', () => {
    // Prepare
    const table: CountTable = {
      key: 'scope',
      rows: [
        { scope: 'a', negative: 3, tests: 8, pct: 0.375, ci_lower: 0.1, ci_upper: 0.7, clients: 2, mean_pct: 0.4 },
        { scope: 'b', negative: 40, tests: 80, pct: 0.5, ci_lower: 0.39, ci_upper: 0.61, clients: 20, mean_pct: 0.5 },
      ],
      counts: ['negative', 'tests', 'clients'],
      rates: [{ columns: ['pct', 'ci_lower', 'ci_upper'], numerator: 'negative', denominator: 'tests' }],
      derived: [{ columns: ['mean_pct'], basedOn: ['clients'] }],
    };

    // Act
    const result = suppressTable(table);

    // Assess
    expect(result.rows[0]).toEqual({ scope: 'a', negative: null, tests: null, pct: null, ci_lower: null, ci_upper: null, clients: null, mean_pct: null });
    expect(result.rows[1]).toEqual(table.rows[1]);
    expect(result.reasonOf('a', 'pct')).toBe('primary');
  });

  it('should suppress a rate whose complement is small (45 of 50 reveals that 5 were not)', () => {
    // Prepare
    const table: CountTable = {
      key: 'scope',
      rows: [{ scope: 'a', followed: 45, due: 50, rate: 0.9 }],
      counts: ['followed', 'due'],
      rates: [{ columns: ['rate'], numerator: 'followed', denominator: 'due' }],
    };

    // Act
    const result = suppressTable(table);

    // Assess
    expect(result.rows[0].rate).toBeNull();
    expect(result.rows[0].followed).toBeNull();
    expect(result.rows[0].due).toBe(50);
    expect(result.reasonOf('a', 'rate')).toBe('primary');
    expect(result.reasonOf('a', 'followed')).toBe('complementary');
  });

  it('should keep rate complements visible when asked not to protect them', () => {
    // Prepare
    const table: CountTable = {
      key: 'scope',
      rows: [{ scope: 'a', followed: 45, due: 50, rate: 0.9 }],
      counts: ['followed', 'due'],
      rates: [{ columns: ['rate'], numerator: 'followed', denominator: 'due' }],
    };

    // Act
    const result = suppressTable(table, { protectRateComplements: false });

    // Assess
    expect(result.rows[0]).toEqual(table.rows[0]);
  });

  it('should protect a two-way table with margins so no suppressed cell is recoverable', () => {
    // Prepare: discharge reasons by clinic, row totals and an overall row
    const table = gridTable({ a: [20, 3, 40], b: [25, 30, 35], c: [50, 60, 12] }, ['completed', 'dropped_out', 'other']);

    // Act
    const result = suppressTable(table);

    // Assess
    expect(result.reasonOf('a', 'dropped_out')).toBe('primary');
    expect(result.suppressed.filter((cell) => cell.reason === 'complementary').length).toBeGreaterThanOrEqual(3);
    expect(recoverableCells(table, result)).toEqual([]);
  });

  it('should repair a leak that no single row or column shows (a bridge between two suppressed blocks)', () => {
    // Prepare: two 2×2 blocks of small cells joined by one small cell; every row and column
    // holds ≥ 2 suppressed cells, yet rows r1+r2 minus columns c1+c2 give the bridge exactly.
    const big = 50;
    const table = gridTable(
      {
        r1: [5, 5, big, big],
        r2: [5, 5, 5, big],
        r3: [big, big, 5, 5],
        r4: [big, big, 5, 5],
      },
      ['c1', 'c2', 'c3', 'c4'],
    );

    // Act
    const result = suppressTable(table);

    // Assess
    expect(result.reasonOf('r2', 'c3')).toBe('primary');
    expect(recoverableCells(table, result)).toEqual([]);
    expect(result.audit).toEqual({ passed: true, visibleSmallCounts: [], derivableCells: [] });
  });

  it('should explain a declared sum that does not add up', () => {
    // Prepare
    const table: CountTable = {
      key: 'scope',
      rows: [
        { scope: 'a', n: 20 },
        { scope: 'all', n: 21 },
      ],
      counts: ['n'],
      rowSums: [{ total: 'all', parts: ['a'] }],
    };

    // Act & Assess
    expect(() => suppressTable(table)).toThrow(/rows a do not add up to row all in column "n" \(20 ≠ 21\)/);
  });

  it('should reject a negative, fractional or missing count naming the row and column', () => {
    // Prepare
    const bad = (value: unknown): CountTable => ({ key: 'scope', rows: [{ scope: 'x', n: value }], counts: ['n'] });

    // Act & Assess
    expect(() => suppressTable(bad(-1))).toThrow(SuppressionInputError);
    expect(() => suppressTable(bad(2.5))).toThrow(/count "n" in row "x" must be a whole number/);
    expect(() => suppressTable(bad(null))).toThrow(/got null/);
  });

  it('should reject duplicate row keys', () => {
    // Prepare
    const table: CountTable = { key: 'scope', rows: [{ scope: 'a', n: 1 }, { scope: 'a', n: 2 }], counts: ['n'] };

    // Act & Assess
    expect(() => suppressTable(table)).toThrow(/row key "a" appears twice/);
  });

  it('should leave no small count visible and no suppressed cell recoverable for random tables', () => {
    // Prepare: small cell values so suppression patterns are dense and varied
    const cellValue = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 11, max: 80 }));
    const tables = fc
      .record({
        clinics: fc.integer({ min: 1, max: 4 }),
        columns: fc.integer({ min: 1, max: 4 }),
        withRate: fc.boolean(),
      })
      .chain(({ clinics, columns, withRate }) =>
        fc.record({
          values: fc.array(fc.array(cellValue, { minLength: columns, maxLength: columns }), { minLength: clinics, maxLength: clinics }),
          withRate: fc.constant(withRate),
        }),
      );

    fc.assert(
      fc.property(tables, ({ values, withRate }) => {
        const columns = values[0].map((_, i) => `k${i}`);
        const grid = gridTable(Object.fromEntries(values.map((row, i) => [`c${i}`, row])), columns);
        const table: CountTable = withRate
          ? {
              ...grid,
              rows: grid.rows.map((row) => ({ ...row, share: (row.total as number) > 0 ? (row.k0 as number) / (row.total as number) : null })),
              rates: [{ columns: ['share'], numerator: 'k0', denominator: 'total' }],
            }
          : grid;

        // Act
        const result = suppressTable(table);

        // Assess
        for (const row of result.rows) {
          for (const column of table.counts) {
            const value = row[column];
            expect(value === null || value === 0 || (value as number) > 10).toBe(true);
          }
          if (withRate && row.share !== null && (row.total as number) > 0) {
            expect(row.k0).not.toBeNull();
            expect(row.total).not.toBeNull();
          }
        }
        expect(result.audit.passed).toBe(true);
        expect(recoverableCells(table, result)).toEqual([]);
      }),
      { seed: 20260630, numRuns: 150 },
    );
  });
});
