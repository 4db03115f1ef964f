import { type ViewDefinition, createViews, dropViews, removedViews, viewDefinition } from '../../lib/athena-views/view-statements';

/** A stand-in for Athena: a view compiles only when every view it reads already exists. */
function fakeAthena(dependencies: Record<string, string[]>, broken: Record<string, string> = {}) {
  const existing = new Set<string>(['enrollments', 'discharges']);
  const statements: string[] = [];
  const run = async (sql: string) => {
    statements.push(sql);
    const drop = /^DROP VIEW IF EXISTS "(\w+)"$/.exec(sql);
    if (drop) {
      existing.delete(drop[1]);
      return;
    }
    const name = /VIEW (\w+)/.exec(sql)![1];
    if (broken[name]) throw new Error(broken[name]);
    const missing = (dependencies[name] ?? []).find((table) => !existing.has(table));
    if (missing) throw new Error(`line 1:1: Table 'awsdatacatalog.db.${missing}' does not exist`);
    existing.add(name);
  };
  return { run, existing, statements };
}

const view = (name: string): ViewDefinition => ({ name, sql: `CREATE OR REPLACE VIEW ${name} AS SELECT 1` });

describe('view statements', () => {
  it('should strip the header comment and trailing semicolon and read the view name', () => {
    // Prepare
    const file = '-- episodes: one row per episode\n--\n-- Rules: …\n\nCREATE OR REPLACE VIEW episodes AS\nSELECT 1 -- inline comment stays\n;\n';

    // Act
    const definition = viewDefinition(file, 'queries/views/episodes.sql');

    // Assess
    expect(definition).toEqual({ name: 'episodes', sql: 'CREATE OR REPLACE VIEW episodes AS\nSELECT 1 -- inline comment stays' });
  });

  it('should refuse a view file that is not a CREATE VIEW statement, naming the file', () => {
    // Act / Assess
    expect(() => viewDefinition('-- x\nSELECT 1', 'queries/views/x.sql')).toThrow(
      'queries/views/x.sql: a view file must hold one "CREATE OR REPLACE VIEW <name> AS …" statement after its header comment',
    );
    expect(() => viewDefinition('CREATE VIEW a AS SELECT 1; CREATE VIEW b AS SELECT 2', 'queries/views/ab.sql')).toThrow(
      'queries/views/ab.sql: holds more than one statement',
    );
  });

  it('should create views in dependency order whatever the file order', async () => {
    // Prepare: episodes reads the two _current views, which sort after it
    const athena = fakeAthena({ episodes: ['enrollments_current', 'discharges_current'], enrollments_current: ['enrollments'], discharges_current: ['discharges'] });

    // Act
    const created = await createViews([view('episodes'), view('discharges_current'), view('enrollments_current')], athena.run);

    // Assess
    expect(created).toEqual(['discharges_current', 'enrollments_current', 'episodes']);
    expect([...athena.existing]).toEqual(expect.arrayContaining(['episodes', 'enrollments_current', 'discharges_current']));
  });

  it('should fail with every stuck view and its reason when a view cannot compile', async () => {
    // Prepare
    const athena = fakeAthena({ episodes: ['enrollments_current'] }, { enrollments_current: "line 3:5: Column 'nope' cannot be resolved" });

    // Act / Assess
    await expect(createViews([view('enrollments_current'), view('episodes')], athena.run)).rejects.toThrow(
      "could not create 2 view(s): enrollments_current: line 3:5: Column 'nope' cannot be resolved; episodes: line 1:1: Table 'awsdatacatalog.db.enrollments_current' does not exist",
    );
  });

  it('should drop every view it is asked to even when one drop fails, and report that one', async () => {
    // Prepare
    const run = jest.fn(async (sql: string) => {
      if (sql.includes('"b"')) throw new Error('AccessDenied');
    });

    // Act
    const problems = await dropViews(['a', 'b', 'c'], run);

    // Assess
    expect(run.mock.calls.map(([sql]) => sql)).toEqual(['DROP VIEW IF EXISTS "a"', 'DROP VIEW IF EXISTS "b"', 'DROP VIEW IF EXISTS "c"']);
    expect(problems).toEqual(['b: AccessDenied']);
  });

  it('should list the views an update removed', () => {
    // Act / Assess
    expect(removedViews([view('a'), view('b'), view('c')], [view('c'), view('a')])).toEqual(['b']);
  });
});
