/**
 * What the lake's current views should end up with after a generated feed: the
 * latest version of each eventId, retractions removed, invalid events never stored.
 * Used by the tests to read the generated cohort the way the product will.
 */
import type { GeneratedEvent } from '../../../cli/synthetic/episode';
import type { GeneratedLine } from '../../../cli/synthetic/emit';

export function finalState(lines: Iterable<GeneratedLine>): GeneratedEvent[] {
  const latest = new Map<string, GeneratedEvent>();
  for (const line of lines) {
    if (line.kind === 'retract') {
      latest.delete(`${line.clinicId}/${line.eventId}`);
    } else if (line.role !== 'invalid') {
      const key = `${line.event.clinicId}/${line.event.eventId}`;
      const stored = latest.get(key);
      if (!stored || stored.version < line.event.version) latest.set(key, line.event);
    }
  }
  return [...latest.values()];
}
