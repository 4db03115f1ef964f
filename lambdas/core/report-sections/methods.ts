/**
 * The methods appendix: definitions, missing-data rules, the suppression rule and its
 * source, data cutoff and software version — what a funder's analyst needs to re-read a number.
 */
import type { ReportSectionContent } from '../report-content';
import type { SectionContext } from './section-context';

export function methodsSection(context: SectionContext, meta: { softwareVersion: string; definitionsVersion: string; generatedAt: string }): ReportSectionContent {
  const { settings, period, cohorts } = context;
  const k = settings.suppressionMaxCount;
  const paragraph = (text: string) => ({ type: 'paragraph' as const, text });
  return {
    id: 'methods',
    title: 'Methods appendix',
    blocks: [
      paragraph(
        `Data cutoff (as of): ${period.asOf}. Facts dated after it are ignored: a later admission is not in the cohort, a later session did not happen yet, ` +
          `a later discharge means the episode was open at the cutoff. Reporting period ${period.start} to ${period.end}. ` +
          `Admission cohort of the treatment sections: ${cohorts.admissions.from} to ${cohorts.admissions.to}; ` +
          `six-month outcomes: admissions ${cohorts['follow-up-due'].from} to ${cohorts['follow-up-due'].to}, whose follow-up fell due in the same twelve-month span.`,
      ),
      paragraph(
        'Episode: one admission of one client to one program; a re-admission is a new episode; day 0 is the admission date. ' +
          `Dropout: a discharge for a non-completion reason (dropped out, terminated, incarcerated, other), or no attended session for ${settings.inactivityDays} days ` +
          '(federal block-grant episode rule), dated at the last attended session. Completion and transfer end treatment but are not dropout.',
      ),
      paragraph(
        'Retention: "not dropped out" is 1 − the Aalen–Johansen cumulative incidence of dropout with completion and transfer as competing outcomes; ' +
          '"still in treatment" is the Kaplan–Meier estimate with any end of treatment as the event. Episodes open and active at the cutoff are censored there; ' +
          'at equal times events precede censorings. Intervals: pointwise 95%, log–log transform, Greenwood (Kaplan–Meier) or delta-method (Aalen–Johansen) variance.',
      ),
      paragraph(
        `Six-month outcomes (GPRA / SUPRT style): a follow-up counts only when completed inside [admission + ${settings.followUpWindowStartMonths} months, ` +
          `admission + ${settings.followUpWindowEndMonths} months]. Follow-up rate = follow-ups completed in window ÷ episodes whose window has closed (deceased excluded); ` +
          `target ${Math.round(settings.followUpTarget * 100)}%. Changes are computed on matched pairs (both interviews present, item answered at both); ` +
          'McNemar exact test on discordant pairs.',
      ),
      paragraph(
        'Proportions carry Wilson score 95% intervals (Newcombe 1998, method 3). Missing data: scheduled sessions and tests must be reported whether or not they happened; ' +
          'drug tests that were missed, refused or invalid count as positive (NIDA CTN convention) with observed-only results reported beside them; ' +
          'prescribed medications (buprenorphine, methadone flagged prescribed) are not illicit use; an item missing at either interview drops the pair from that domain only.',
      ),
      paragraph(
        `Small-cell suppression: no count from 1 to ${k} is shown (0 is shown), nor any rate, interval or statistic whose numerator or denominator is such a count, ` +
          `nor a denominator whose complement (denominator − numerator) is such a count. Complementary cells are then suppressed until no hidden value can be derived ` +
          'from totals, percentages or other cells, and an exact linear-algebra audit confirms it before the report is written. ' +
          `Source: CMS cell-size suppression policy (ResDAC, version 01/26/2024). Marks: * small cell; ** complementary. Retention curves are read at weekly marks and stop when ${k} or fewer episodes remain at risk.`,
      ),
      paragraph(
        'Benchmarks: TEDS-D 2004 intensive outpatient discharges, 27 states, n = 114,440 (completed 37.7%, transferred 17.9%, dropped out 23.2%, terminated 14.0%, other 7.2%). ' +
          'They describe a different population and era; read them as context, not a target.',
      ),
      paragraph(
        `Software: iop-outcomes ${meta.softwareVersion}; metric definitions ${meta.definitionsVersion} (hash of the SQL files run). Generated ${meta.generatedAt}. ` +
          'Every number comes from the SQL in queries/metrics (docs/metrics.md); the report only selects, suppresses and formats them.',
      ),
    ],
  };
}
