/**
 * Tiny typed validators for the YAML config: each one checks a value at a key path and
 * returns it typed, or throws a ConfigError naming the path, the bad value and what was expected.
 */
import { closest } from '../util/did-you-mean';

/** A configuration problem: one line, key path first. Exit code 2. */
export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly got: unknown,
    readonly expected: string,
    /** A complete one-line message from a check made outside the schema (files the config names). */
    message?: string,
  ) {
    super(message ?? `${path || '(top level)'}: expected ${expected}, got ${show(got)}`);
    this.name = 'ConfigError';
  }
}

/** A key the schema does not know: located at the key itself, not its value. */
export class UnknownKeyError extends ConfigError {}

/**
 * Every problem found in one pass over a config (the validators go on after a bad key, so a
 * file with three mistakes takes one round, not three). `lines` are the one-line reports,
 * `file:line:col: key.path: ...` once the loader has located them; `errors` the single problems.
 * A ConfigError itself, so code catching one ConfigError handles it unchanged.
 */
export class ConfigErrors extends ConfigError {
  constructor(
    readonly errors: ConfigError[],
    readonly lines: string[] = errors.map((e) => e.message),
  ) {
    // name stays 'ConfigError': code matching on it keeps working.
    super(errors[0]?.path ?? '', errors[0]?.got, errors[0]?.expected ?? '', lines.join('\n'));
  }
}

/**
 * Runs one check, adding its ConfigError(s) to `errors` instead of stopping: how a mapping or a
 * list goes on to its other members. Anything else (a bug) still throws.
 */
export function collect<T>(errors: ConfigError[], check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    if (err instanceof ConfigErrors) errors.push(...err.errors);
    else if (err instanceof ConfigError) errors.push(err);
    else throw err;
    return undefined;
  }
}

/** Throws what `collect` gathered: nothing, the one error, or all of them. */
export function throwCollected(errors: ConfigError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ConfigErrors(errors);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}

/** A validator: value at `path` in, typed value out. */
export type V<T> = (value: unknown, path: string) => T;

/** Marks an object member as optional with a default (used when the key is absent or null). */
export interface Optional<T> {
  optional: true;
  validate: V<T>;
  fallback: () => T;
}

type Member = V<unknown> | Optional<unknown>;
type Out<M> = M extends Optional<infer T> ? T : M extends V<infer T> ? T : never;

export function optional<T>(validate: V<T>, fallback: T | (() => T)): Optional<T> {
  return {
    optional: true,
    validate,
    fallback: typeof fallback === 'function' ? (fallback as () => T) : () => structuredClone(fallback),
  };
}

/** Optional member without a default: absent stays undefined. */
export function maybe<T>(validate: V<T>): Optional<T | undefined> {
  return { optional: true, validate, fallback: () => undefined };
}

const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/** An object with exactly these keys; unknown keys are refused. */
export function object<S extends Record<string, Member>>(shape: S): V<{ [K in keyof S]: Out<S[K]> }> {
  return (value, path) => {
    if (value === null || value === undefined) value = {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(path, value, 'a mapping');
    const input = value as Record<string, unknown>;
    const errors: ConfigError[] = [];
    const known = Object.keys(shape);
    for (const k of Object.keys(input)) {
      if (!Object.hasOwn(shape, k)) {
        const near = closest(k, known);
        const expected = near ? `a known key (did you mean "${near}"?)` : `one of the keys ${known.join(', ')}`;
        errors.push(new UnknownKeyError(join(path, k), undefined, expected, `${join(path, k)}: expected ${expected}, got unknown key ${show(k)}`));
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, m] of Object.entries(shape)) {
      const v = input[k];
      if (typeof m === 'function') {
        out[k] = collect(errors, () => m(v, join(path, k)));
      } else if (v === undefined || v === null) {
        out[k] = m.fallback();
      } else {
        out[k] = collect(errors, () => m.validate(v, join(path, k)));
      }
    }
    throwCollected(errors);
    return out as { [K in keyof S]: Out<S[K]> };
  };
}

export function array<T>(item: V<T>, opts: { max?: number } = {}): V<T[]> {
  return (value, path) => {
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value)) throw new ConfigError(path, value, 'a list');
    if (opts.max !== undefined && value.length > opts.max) throw new ConfigError(path, value, `at most ${opts.max} items`);
    const errors: ConfigError[] = [];
    const out = value.map((v, i) => collect(errors, () => item(v, join(path, i))) as T);
    throwCollected(errors);
    return out;
  };
}

export function string(opts: { pattern?: RegExp; what?: string; maxLength?: number; redact?: RegExp } = {}): V<string> {
  return (value, path) => {
    if (typeof value !== 'string' || value.length === 0) throw new ConfigError(path, value, opts.what ?? 'a non-empty string');
    // A value that may carry a secret (user:password@) is not echoed back.
    const shown = opts.redact?.test(value) ? '(hidden: it may contain a password)' : value;
    if (opts.pattern && !opts.pattern.test(value)) throw new ConfigError(path, shown, opts.what ?? `text matching ${opts.pattern}`);
    if (opts.maxLength !== undefined && value.length > opts.maxLength) throw new ConfigError(path, value, `at most ${opts.maxLength} characters`);
    return value;
  };
}

export function integer(opts: { min?: number; max?: number } = {}): V<number> {
  const what = `an integer${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}`;
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new ConfigError(path, value, what);
    if ((opts.min !== undefined && value < opts.min) || (opts.max !== undefined && value > opts.max)) {
      throw new ConfigError(path, value, what);
    }
    return value;
  };
}

export function number(opts: { min?: number; max?: number } = {}): V<number> {
  const what = `a number${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}`;
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(path, value, what);
    if ((opts.min !== undefined && value < opts.min) || (opts.max !== undefined && value > opts.max)) {
      throw new ConfigError(path, value, what);
    }
    return value;
  };
}

export function boolean(): V<boolean> {
  return (value, path) => {
    if (typeof value !== 'boolean') throw new ConfigError(path, value, 'true or false');
    return value;
  };
}

export function oneOf<T extends string | number>(choices: readonly T[]): V<T> {
  return (value, path) => {
    if ((typeof value !== 'string' && typeof value !== 'number') || !(choices as readonly unknown[]).includes(value)) {
      throw new ConfigError(path, value, `one of ${choices.join(' | ')}`);
    }
    return value as T;
  };
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3,
};

/** A byte size: a plain integer or text like `64MiB`, `512kB`. */
export function byteSize(opts: { min?: number } = {}): V<number> {
  return (value, path) => {
    let n: number | undefined;
    if (typeof value === 'number' && Number.isInteger(value)) n = value;
    else if (typeof value === 'string') {
      const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
      const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
      if (m && unit !== undefined) n = Math.floor(Number(m[1]) * unit);
    }
    if (n === undefined || (opts.min !== undefined && n < opts.min)) {
      throw new ConfigError(path, value, `a size like 64MiB or 1048576${opts.min !== undefined ? ` (at least ${opts.min} bytes)` : ''}`);
    }
    return n;
  };
}

/** Lowercase hex of exactly `bytes` bytes (separators `:`/`-` allowed when `separators`). */
export function hex(bytes: number, opts: { separators?: boolean } = {}): V<string> {
  return (value, path) => {
    const s = typeof value === 'string' ? (opts.separators ? value.replace(/[:-]/g, '') : value) : '';
    if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(s)) {
      throw new ConfigError(path, typeof value === 'string' && bytes >= 16 ? '(hidden)' : value, `${bytes} bytes as ${bytes * 2} hex digits`);
    }
    return s.toLowerCase();
  };
}
