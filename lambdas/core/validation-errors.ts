/**
 * Turns zod issues into the `{path, message}` errors a clinic's integrator reads:
 * the field, what is wrong with it, and how to fix it. Input values are echoed
 * only when short, and a clientId value is never echoed at all.
 */
import type { z } from 'zod';
import { EVENT_TYPES, eventSchemas } from './event-schema';

export interface FieldError {
  /** Where the problem is, e.g. `events[3].sessionDate`. */
  path: string;
  message: string;
}

/** Enough to fix an event; a 10 000-key object must not produce a 10 000-line answer. */
export const MAX_ERRORS_PER_EVENT = 10;
const MAX_ECHO_CHARS = 40;
const MAX_MESSAGE_CHARS = 300;
const MAX_KEY_CHARS = 40;

/** Fields whose values are never repeated back (they may identify a person). */
const NEVER_ECHOED = new Set(['clientId']);

type Issue = z.core.$ZodIssue;
type PathSegment = PropertyKey;

/** Describes every issue of one event; `prefix` is where the event sits, e.g. `events[3]`. */
export function describeIssues(issues: readonly Issue[], prefix: string, event: unknown): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    for (const error of describeIssue(issue, prefix, event)) {
      if (!errors.some((seen) => seen.path === error.path && seen.message === error.message)) errors.push(error);
    }
  }
  if (errors.length <= MAX_ERRORS_PER_EVENT) return errors;
  const shown = errors.slice(0, MAX_ERRORS_PER_EVENT - 1);
  shown.push({ path: prefix, message: `${errors.length - shown.length} more problems not listed; fix the ones above and send again` });
  return shown;
}

function describeIssue(issue: Issue, prefix: string, event: unknown): FieldError[] {
  const path = issue.path;
  const value = valueAt(event, path);
  const at = formatPath(prefix, path);
  const echo = (input: unknown) => (isNeverEchoed(path) ? '' : ` (got ${quote(input)})`);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: formatPath(prefix, [...path, key]), message: unknownFieldMessage(key, event, path) }));
    case 'invalid_type':
      if (value === undefined) return [{ path: at, message: requiredMessage(event, path) }];
      return [{ path: at, message: `must be ${describeExpected(issue.expected)}${echo(value)}${typeHint(issue.expected, value)}` }];
    case 'invalid_value':
      return [{ path: at, message: `must be one of ${issue.values.map((allowed) => JSON.stringify(allowed)).join(', ')}${echo(value)}` }];
    case 'invalid_union':
      if (path.length === 1 && path[0] === 'type') {
        const options = EVENT_TYPES.map((type) => JSON.stringify(type)).join(', ');
        return [{ path: at, message: value === undefined ? `is required: one of ${options}` : `must be one of ${options}${echo(value)}` }];
      }
      return [{ path: at, message: clip(issue.message) }];
    case 'too_small':
      return [{ path: at, message: sizeMessage('at least', issue.origin, issue.minimum, value, path) }];
    case 'too_big':
      return [{ path: at, message: sizeMessage('at most', issue.origin, issue.maximum, value, path) }];
    case 'invalid_format':
      return [{ path: at, message: issue.message.startsWith('Invalid') ? `has the wrong format${echo(value)}` : clip(issue.message) }];
    default:
      // custom checks written in the contract: their messages already name the rule
      return [{ path: at, message: clip(issue.message) }];
  }
}

function sizeMessage(bound: 'at least' | 'at most', origin: string, limit: number | bigint, value: unknown, path: readonly PathSegment[]): string {
  const hidden = isNeverEchoed(path);
  if (origin === 'string') {
    const length = typeof value === 'string' ? value.length : undefined;
    if (bound === 'at least' && Number(limit) === 1) return 'must not be empty';
    return `must be ${bound} ${limit} characters long${length === undefined ? '' : ` (got ${length})`}`;
  }
  if (origin === 'array') {
    const length = Array.isArray(value) ? value.length : undefined;
    return `must list ${bound} ${limit} entries${length === undefined ? '' : ` (got ${length})`}`;
  }
  return `must be ${bound} ${limit}${hidden ? '' : ` (got ${quote(value)})`}`;
}

function requiredMessage(event: unknown, path: readonly PathSegment[]): string {
  const type = isRecord(event) && typeof event.type === 'string' ? event.type : undefined;
  return path.length === 1 && type ? `is required for ${type} events` : 'is required';
}

function unknownFieldMessage(key: string, event: unknown, path: readonly PathSegment[]): string {
  const message = 'is not part of the contract (names, contacts and free text are never accepted); remove it';
  if (path.length > 0) return message;
  const suggestion = similarField(key, event);
  return suggestion ? `${message}, or did you mean "${suggestion}"?` : message;
}

/** A contract field that differs from `key` only in case, `_`, `-` or spaces (CSV headers often do). */
function similarField(key: string, event: unknown): string | undefined {
  const type = isRecord(event) ? event.type : undefined;
  const schemas = typeof type === 'string' && type in eventSchemas ? [eventSchemas[type as keyof typeof eventSchemas]] : Object.values(eventSchemas);
  const squash = (name: string) => name.toLowerCase().replace(/[\s_-]/g, '');
  for (const schema of schemas) {
    const match = Object.keys(schema.shape).find((field) => squash(field) === squash(key));
    if (match) return match;
  }
  return undefined;
}

const EXPECTED: Record<string, string> = {
  string: 'text (a JSON string)',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list ([...])',
};

function describeExpected(expected: string): string {
  return EXPECTED[expected] ?? `of type ${expected}`;
}

function typeHint(expected: string, value: unknown): string {
  if ((expected === 'number' || expected === 'int') && typeof value === 'string') return '; send numbers without quotes';
  if (expected === 'boolean' && typeof value === 'string') return '; send true or false without quotes';
  return '';
}

/** A short, safe rendering of a client-sent value: strings clipped, objects summarised. */
export function quote(value: unknown): string {
  if (typeof value === 'string') {
    if (value.length <= MAX_ECHO_CHARS) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, MAX_ECHO_CHARS))}… (${value.length} characters)`;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

function clip(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS)}…`;
}

function isNeverEchoed(path: readonly PathSegment[]): boolean {
  return path.length > 0 && NEVER_ECHOED.has(String(path[0]));
}

/** `events[3].results[0].substance`; odd keys (spaces, very long) are quoted and clipped. */
export function formatPath(prefix: string, path: readonly PathSegment[]): string {
  let text = prefix;
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else {
      const key = String(segment);
      if (/^[A-Za-z_$][\w$]{0,39}$/.test(key)) text += `.${key}`;
      else {
        const shown = key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}…` : key;
        text += `[${JSON.stringify(shown)}]`;
      }
    }
  }
  return text;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
