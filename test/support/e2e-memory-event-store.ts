/**
 * The EventStore port in memory, with the events table's write rule (new, or a higher
 * version of the same type; the same version is a duplicate or a conflict by content
 * hash), for property tests of the ingest handler that need no DynamoDB.
 */
import type { EventStore } from '../../lambdas/adapters/event-store';
import { eventPk, type StoredEvent } from '../../lambdas/core/events-table';
import type { SaveOutcome } from '../../lambdas/core/ingest';

export class MemoryEventStore implements EventStore {
  readonly items = new Map<string, StoredEvent>();

  async save(events: StoredEvent[]): Promise<SaveOutcome[]> {
    return events.map((event) => {
      const stored = this.items.get(event.pk);
      if (!stored || (stored.version < event.version && stored.type === event.type)) {
        this.items.set(event.pk, event);
        return { status: 'accepted' };
      }
      if (stored.version === event.version) {
        return stored.contentHash === event.contentHash
          ? { status: 'duplicate' }
          : { status: 'conflict', reason: 'content', storedVersion: stored.version, storedType: stored.type };
      }
      if (stored.version > event.version) return { status: 'stale', storedVersion: stored.version };
      return { status: 'conflict', reason: 'type', storedVersion: stored.version, storedType: stored.type };
    });
  }

  async retract(clinicId: string, eventId: string): Promise<'retracted' | 'not_found'> {
    return this.items.delete(eventPk(clinicId, eventId)) ? 'retracted' : 'not_found';
  }
}
