/**
 * Clinic ids, stated once for the event contract (event-schema.ts) and the metrics documents
 * (metrics-document.ts) without either importing the other: the metrics API bundles the
 * documents but not the event schema.
 */
export const CLINIC_ID_PATTERN = /^[a-z0-9-]{2,40}$/;

/** Scope of every metric's network-wide rows (every other scope is a clinic id); no clinic may take it. */
export const NETWORK_SCOPE = 'all';
