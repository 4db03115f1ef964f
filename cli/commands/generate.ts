/** `iop-outcomes generate`: writes a synthetic, calibrated IOP cohort as an NDJSON or CSV export. */
import { CliError, parseOptions, type Command } from '../command';
import { FILE_FORMATS, type FileFormat } from '../formats/wire-line';
import { isoOf, todayUtc } from '../synthetic/calendar';
import { validateCohortOptions } from '../synthetic/cohort';
import { DEFAULT_COHORT_OPTIONS, writeCohort, type CohortOptions } from '../synthetic/emit';

const USAGE = `iop-outcomes generate [options]

  --seed N          seed; the same seed and options give byte-identical output (default ${DEFAULT_COHORT_OPTIONS.seed})
  --clinics N       clinics in the network (default ${DEFAULT_COHORT_OPTIONS.clinics})
  --clients N       admissions (episodes) over the period (default ${DEFAULT_COHORT_OPTIONS.admissions})
  --months N        months of admissions, ending at the as-of date (default ${DEFAULT_COHORT_OPTIONS.months})
  --as-of DATE      data cutoff YYYY-MM-DD; no event is dated after it (default: today, UTC)
  --format F        ndjson or csv (default: from --out's extension, else ndjson)
  --out FILE|-      where to write (default: - = standard output)
  --clean           no duplicates, corrections, retractions, late or invalid events

Pass --as-of as well as --seed when you need the same file tomorrow. See docs/synthetic-data.md.`;

export const command: Command = {
  summary: 'Generate a synthetic IOP cohort (NDJSON or CSV) for demos, tests and benchmarks',
  usage: USAGE,
  async run(argv) {
    const { values } = parseOptions(argv, {
      seed: { type: 'string' },
      clinics: { type: 'string' },
      clients: { type: 'string' },
      months: { type: 'string' },
      'as-of': { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      clean: { type: 'boolean' },
    });
    const format = values.format as FileFormat | undefined;
    if (format !== undefined && !FILE_FORMATS.includes(format)) {
      throw new CliError(`--format must be ndjson or csv, got ${JSON.stringify(values.format)}`, 2);
    }
    const options: CohortOptions = {
      seed: values.seed ?? DEFAULT_COHORT_OPTIONS.seed,
      clinics: wholeNumber('--clinics', values.clinics, DEFAULT_COHORT_OPTIONS.clinics),
      admissions: wholeNumber('--clients', values.clients, DEFAULT_COHORT_OPTIONS.admissions),
      months: wholeNumber('--months', values.months, DEFAULT_COHORT_OPTIONS.months),
      asOf: values['as-of'] ?? isoOf(todayUtc()),
      clean: values.clean ?? false,
    };
    try {
      validateCohortOptions(options);
    } catch (error) {
      throw new CliError((error as Error).message.replace(/^admissions/, 'clients').replace(/^asOf/, '--as-of'), 2, { cause: error });
    }
    const out = values.out ?? '-';
    const summary = await writeCohort(options, out, format);
    console.error(
      `generated ${summary.episodes.toLocaleString('en-US')} episodes at ${options.clinics} clinics: ` +
        `${summary.events.toLocaleString('en-US')} events and ${summary.retractions} retractions ` +
        `(${summary.format}, seed ${options.seed}, as of ${options.asOf})${out === '-' ? '' : ` → ${out}`}`,
    );
  },
};

function wholeNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new CliError(`${flag} must be a whole number, got ${JSON.stringify(text)}`, 2);
  return Number(text);
}
