/**
 * Linear-algebra audit behind small-cell suppression: which unknown cells of a table
 * can an attacker recover exactly from the published cells and the table's sum relations?
 */

/** One published linear identity between cells: Σ coefficient·cell = 0 (e.g. total − Σ parts = 0). */
export interface LinearRelation {
  cells: number[];
  coefficients: number[];
}

const TOLERANCE = 1e-9;

/**
 * Returns the unknown cells whose value is uniquely determined by the relations once
 * every known cell is substituted. A cell is determined exactly when its unit vector
 * lies in the row space of the relations restricted to the unknowns; in reduced row
 * echelon form that is a pivot column whose pivot row has no entry in a free column.
 * Checking single equations is not enough: two equations with two unknowns each can
 * still pin a cell down (a "bridge" between two suppressed cycles of a 2-D table).
 */
export function determinedUnknowns(relations: readonly LinearRelation[], isUnknown: (cell: number) => boolean): Set<number> {
  const columnOf = new Map<number, number>();
  const unknownCells: number[] = [];
  const unknownEntries: { cell: number; coefficient: number }[][] = [];
  for (const relation of relations) {
    const entries = relation.cells
      .map((cell, index) => ({ cell, coefficient: relation.coefficients[index] }))
      .filter((entry) => isUnknown(entry.cell));
    if (entries.length === 0) continue;
    for (const { cell } of entries) {
      if (!columnOf.has(cell)) {
        columnOf.set(cell, unknownCells.length);
        unknownCells.push(cell);
      }
    }
    unknownEntries.push(entries);
  }
  const width = unknownCells.length;
  const rows = unknownEntries.map((entries) => {
    const row = new Array<number>(width).fill(0);
    for (const { cell, coefficient } of entries) row[columnOf.get(cell)!] += coefficient;
    return row;
  });
  const pivotRowOfColumn = reduceToEchelon(rows, width);

  const determined = new Set<number>();
  for (const [column, rowIndex] of pivotRowOfColumn) {
    const row = rows[rowIndex];
    const touchesFreeColumn = row.some((value, other) => other !== column && Math.abs(value) > TOLERANCE);
    if (!touchesFreeColumn) determined.add(unknownCells[column]);
  }
  return determined;
}

/** Gauss–Jordan elimination in place (partial pivoting); returns pivot column → row. */
function reduceToEchelon(rows: number[][], width: number): Map<number, number> {
  const pivots = new Map<number, number>();
  let pivotRow = 0;
  for (let column = 0; column < width && pivotRow < rows.length; column++) {
    let best = pivotRow;
    for (let candidate = pivotRow + 1; candidate < rows.length; candidate++) {
      if (Math.abs(rows[candidate][column]) > Math.abs(rows[best][column])) best = candidate;
    }
    if (Math.abs(rows[best][column]) <= TOLERANCE) continue;
    [rows[pivotRow], rows[best]] = [rows[best], rows[pivotRow]];
    const pivot = rows[pivotRow][column];
    for (let k = 0; k < width; k++) rows[pivotRow][k] /= pivot;
    for (let other = 0; other < rows.length; other++) {
      if (other === pivotRow) continue;
      const factor = rows[other][column];
      if (Math.abs(factor) <= TOLERANCE) continue;
      for (let k = 0; k < width; k++) rows[other][k] -= factor * rows[pivotRow][k];
    }
    pivots.set(column, pivotRow);
    pivotRow++;
  }
  return pivots;
}
