import { itemBytes, transactionChunks, writeRounds } from '../../lambdas/adapters/transaction-chunks';

describe('writeRounds', () => {
  it('should put each version of one key in its own round, lowest version first', () => {
    const items = [
      { pk: 'c#a', version: 3 },
      { pk: 'c#b', version: 1 },
      { pk: 'c#a', version: 1 },
      { pk: 'c#a', version: 2 },
    ];

    const rounds = writeRounds(items);

    expect(rounds).toEqual([[1, 2], [3], [0]]);
  });

  it('should keep one round, in input order, when no key repeats', () => {
    expect(writeRounds([{ pk: 'x', version: 1 }, { pk: 'y', version: 9 }, { pk: 'z', version: 2 }])).toEqual([[0, 1, 2]]);
  });

  it('should give no rounds for no items', () => {
    expect(writeRounds([])).toEqual([]);
  });
});

describe('transactionChunks', () => {
  it('should cut at the item limit', () => {
    const chunks = transactionChunks([0, 1, 2, 3, 4], () => 1, { maxItems: 2, maxBytes: 100 });

    expect(chunks).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('should cut before the byte limit would be passed', () => {
    const sizes = [40, 40, 30, 90, 5];

    const chunks = transactionChunks([0, 1, 2, 3, 4], (position) => sizes[position], { maxItems: 100, maxBytes: 100 });

    expect(chunks).toEqual([[0, 1], [2], [3, 4]]);
  });

  it('should give an item larger than the byte limit a transaction of its own', () => {
    expect(transactionChunks([0, 1, 2], (position) => (position === 1 ? 500 : 10), { maxItems: 100, maxBytes: 100 })).toEqual([[0], [1], [2]]);
  });

  it('should cut 250 items at the default limit of 100', () => {
    const positions = Array.from({ length: 250 }, (_, index) => index);

    expect(transactionChunks(positions, () => 400).map((chunk) => chunk.length)).toEqual([100, 100, 50]);
  });
});

describe('itemBytes', () => {
  it('should count UTF-8 bytes of the JSON form', () => {
    expect(itemBytes({ a: 'é' })).toBe(Buffer.byteLength('{"a":"é"}'));
  });
});
