// Where a setting's value came from, as `routes` shows it: flag > environment > config file >
// what the project says (discovery, its .web/env.json, its rxconfig.py) > default.
export type Source = 'flag' | 'environment' | 'config' | 'discovery' | 'env.json' | 'rxconfig' | 'default';

export interface SourcedPrefix {
  readonly prefix: string;
  readonly source: Source;
}
