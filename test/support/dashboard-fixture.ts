/**
 * A small, seeded lake for the dashboard tests: three clinics (one too small to publish),
 * several programs and admission quarters, sessions, drug tests, goals, discharges and
 * interviews, plus the data-quality cases (a correction, a retraction, a duplicate
 * delivery, late events). Loaded into DuckDB as the raw lake tables, with the real
 * `_current` views on top, so refresh runs the production SQL end to end.
 */
import { LAKE_TABLES, SQL_TYPE, type LakeTableName } from '../../lambdas/core/lake-columns';
import { createDuckDbEngine, type DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import { currentViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';

export const FIXTURE_AS_OF = '2026-06-30';
export const FIXTURE_CLINICS = {
  'clinic-a': { programs: ['iop-adult', 'iop-evening'], episodes: 70 },
  'clinic-b': { programs: ['iop-adult'], episodes: 45 },
  // Too small for any published cell: every network count it changes must stay hidden.
  'clinic-c': { programs: ['iop-young-adult'], episodes: 6 },
} as const;

type Value = string | number | boolean | null;
type LakeRow = Record<string, Value>;

/** Deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function addMonths(date: string, months: number): string {
  const parsed = new Date(`${date}T00:00:00Z`);
  parsed.setUTCMonth(parsed.getUTCMonth() + months);
  return parsed.toISOString().slice(0, 10);
}

const SUBSTANCE_ANALYTE: Record<string, string> = {
  alcohol: 'alcohol',
  opioids: 'opioids',
  stimulants: 'amphetamines',
  cannabis: 'cannabis',
  benzodiazepines: 'benzodiazepines',
  other: 'cocaine',
};
const SESSION_TYPES = ['group', 'group', 'individual', 'cbt', 'family', 'education'];
const GOAL_DOMAINS = ['sobriety', 'employment', 'housing', 'health', 'family'];

/** Builds every lake row of the fixture, keyed by lake table. */
export function fixtureLakeRows(seed = 20260630): Record<LakeTableName, LakeRow[]> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  const tables = Object.fromEntries(LAKE_TABLES.map((table) => [table.name, [] as LakeRow[]])) as Record<LakeTableName, LakeRow[]>;
  let sequence = 0;
  const change = (eventDate: string, lateDays = 0, kind = 'INSERT') => {
    sequence += 1;
    const received = `${addDays(eventDate, lateDays + 1)}T09:00:00.000Z`;
    return { change_kind: kind, change_seq: String(sequence).padStart(40, '0'), change_time: received, received_at: received };
  };
  let eventCounter = 0;
  const add = (table: LakeTableName, clinic: string, episode: string, client: string, eventDate: string, fields: LakeRow, lateDays = 0) => {
    eventCounter += 1;
    const row: LakeRow = {
      ...change(eventDate, lateDays),
      event_id: `${table}-${eventCounter}`,
      version: 1,
      clinic_id: clinic,
      client_key: client,
      episode_id: episode,
      ...fields,
    };
    tables[table].push(row);
    return row;
  };

  for (const [clinic, spec] of Object.entries(FIXTURE_CLINICS)) {
    for (let index = 0; index < spec.episodes; index++) {
      const episode = `${clinic}-ep-${String(index + 1).padStart(3, '0')}`;
      const client = `key-${episode}`;
      const admission = addDays('2025-01-06', Math.floor(next() * 440));
      const substance = pick(['alcohol', 'opioids', 'stimulants', 'cannabis']);
      add('enrollments', clinic, episode, client, admission, {
        admission_date: admission,
        program_id: spec.programs[index % spec.programs.length],
        level_of_care: '2.1',
        primary_substance: substance,
        referral_source: pick(['self', 'healthcare', 'court_criminal_justice']),
        birth_year: 1960 + Math.floor(next() * 45),
        sex: pick(['female', 'male']),
      });
      // How the episode ends: one in seven never returns after intake.
      const outcome = next();
      const noReturn = outcome < 0.14;
      const length = noReturn ? 1 : 10 + Math.floor(next() * 120);
      const reason = noReturn ? 'dropped_out' : pick(['completed', 'completed', 'completed', 'transferred', 'dropped_out', 'dropped_out', 'terminated', 'open']);
      const lastDay = addDays(admission, length);
      const end = lastDay < FIXTURE_AS_OF ? lastDay : FIXTURE_AS_OF;
      const attendProbability = reason === 'completed' ? 0.88 : 0.7;
      let sessionIndex = 0;
      for (let day = 0; addDays(admission, day) <= end; day += day % 7 === 4 ? 3 : 2) {
        const date = addDays(admission, day);
        const attended = sessionIndex === 0 || (!noReturn && next() < attendProbability);
        if (noReturn && sessionIndex > 0) break;
        add('attendance', clinic, episode, client, date, {
          session_date: date,
          session_type: SESSION_TYPES[sessionIndex % SESSION_TYPES.length],
          status: attended ? 'attended' : 'no_show',
          scheduled_minutes: 180,
          attended_minutes: attended ? 180 : 0,
        }, sessionIndex % 17 === 5 ? 12 : 0);
        sessionIndex += 1;
      }
      for (let week = 0; addDays(admission, week * 7 + 3) <= end && !noReturn; week++) {
        const date = addDays(admission, week * 7 + 3);
        const roll = next();
        const status = roll < 0.8 ? 'collected' : roll < 0.93 ? 'missed' : 'refused';
        const test = add('drug_tests', clinic, episode, client, date, {
          scheduled_date: date,
          collected_date: status === 'collected' ? date : null,
          status,
          random: true,
        });
        if (status === 'collected') {
          tables.drug_test_results.push({
            ...test,
            change_seq: test.change_seq,
            scheduled_date: date,
            substance: SUBSTANCE_ANALYTE[substance],
            result: next() < 0.65 ? 'negative' : 'positive',
            prescribed: false,
          });
        }
      }
      if (reason !== 'open' && lastDay <= FIXTURE_AS_OF) {
        add('discharges', clinic, episode, client, lastDay, { discharge_date: lastDay, reason });
      }
      for (const [goalIndex, domain] of [pick(GOAL_DOMAINS), pick(GOAL_DOMAINS)].entries()) {
        const goalId = `${episode}-g${goalIndex}`;
        const setDate = addDays(admission, 2);
        add('goals', clinic, episode, client, setDate, { goal_id: goalId, action: 'set', domain, action_date: setDate, target_date: addDays(setDate, 60) });
        const doneDate = addDays(setDate, 20 + Math.floor(next() * 50));
        if (!noReturn && next() < 0.55 && doneDate <= end) {
          add('goals', clinic, episode, client, doneDate, { goal_id: goalId, action: 'completed', domain, action_date: doneDate, target_date: null });
        }
      }
      const answers = (abstinentChance: number) => ({
        status: 'completed',
        days_used_past_30: next() < abstinentChance ? 0 : 1 + Math.floor(next() * 20),
        employed_or_in_school: next() < 0.5,
        stably_housed: next() < 0.7,
        social_support: next() < 0.6,
        arrests_past_30: next() < 0.9 ? 0 : 1,
      });
      add('assessments', clinic, episode, client, admission, { timepoint: 'intake', interview_date: admission, ...answers(0.2) });
      const followUpDate = addDays(addMonths(admission, 6), 3);
      if (followUpDate <= FIXTURE_AS_OF && next() < 0.7) {
        add('assessments', clinic, episode, client, followUpDate, { timepoint: 'six_month', interview_date: followUpDate, ...answers(0.45) });
      }
    }
  }

  // Data-quality cases: a correction, a retraction and a duplicate delivery in clinic-a.
  const corrected = tables.attendance.find((row) => row.clinic_id === 'clinic-a' && row.status === 'no_show')!;
  tables.attendance.push({ ...corrected, ...change(String(corrected.session_date), 2, 'MODIFY'), version: 2, status: 'excused' });
  const retracted = tables.goals.find((row) => row.clinic_id === 'clinic-a' && row.action === 'completed')!;
  tables.goals.push({ ...retracted, ...change(String(retracted.action_date), 1, 'REMOVE') });
  tables.drug_tests.push({ ...tables.drug_tests.find((row) => row.clinic_id === 'clinic-a')! });
  return tables;
}

/** DDL of the raw lake tables (what Athena's Glue tables hold), for the fixture engine. */
export function rawLakeTableStatements(): string[] {
  return LAKE_TABLES.map((table) => {
    const columns = table.columns.map((column) => `${column.name} ${SQL_TYPE[column.type]}`);
    return `CREATE TABLE ${table.name} (${columns.join(', ')})`;
  });
}

/** An in-memory DuckDB with the fixture lake, the `_current` views and the metric views. */
export async function createFixtureEngine(seed?: number): Promise<DuckDbEngine> {
  const engine = await createDuckDbEngine({ setupStatements: [...rawLakeTableStatements(), ...currentViewStatements()] });
  const rows = fixtureLakeRows(seed);
  for (const table of LAKE_TABLES) {
    const tableRows = rows[table.name];
    for (let start = 0; start < tableRows.length; start += 400) {
      const chunk = tableRows.slice(start, start + 400);
      const values: Value[] = [];
      const tuples = chunk.map((row) => {
        for (const column of table.columns) values.push(row[column.name] === undefined ? null : row[column.name]);
        return `(${table.columns.map((column) => `CAST(? AS ${SQL_TYPE[column.type]})`).join(', ')})`;
      });
      await engine.runSql(`INSERT INTO ${table.name} VALUES ${tuples.join(', ')}`, values);
    }
  }
  return engine;
}
