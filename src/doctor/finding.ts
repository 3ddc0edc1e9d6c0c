// What doctor reports: one finding per setting that breaks one-origin sessions (error) or is
// unnecessary or risky there (warning), with the line to change.

export type Severity = 'error' | 'warning';

export interface Location {
  /** As shown to the user: relative to the working directory when inside it, else absolute. */
  readonly file: string;
  /** null when the setting is not assigned on a line of its own (a default, globals().update). */
  readonly line: number | null;
}

export interface Finding {
  readonly severity: Severity;
  readonly source: 'django' | 'rxconfig' | 'env.json';
  /** The Django setting, rxconfig keyword or env.json key. */
  readonly setting: string;
  /** The value as JSON; null for an expression that is not a literal, or a keyword not given. */
  readonly value: unknown;
  /** The value as Python writes it, or the expression's source. */
  readonly valueText: string;
  /** One line: why it breaks (or is not needed for) one-origin sessions. */
  readonly why: string;
  /** One line: what to write instead, and where. */
  readonly fix: string;
  readonly location: Location | null;
}

/** `file:line`, or the file alone; '' for no place. */
export function placeOf(location: Location | null): string {
  if (location === null) return '';
  return location.line === null ? location.file : `${location.file}:${location.line}`;
}

/** A fix that names its place: "in site/settings.py:42, <change>". */
export function fixAt(location: Location | null, change: string): string {
  return location === null ? change : `in ${placeOf(location)}, ${change}`;
}
