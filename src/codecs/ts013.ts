import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { types } from 'node:util';
import vm from 'node:vm';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { FieldValue } from '../core/reading';
import { CodecLoadError, type CodecResult, type PayloadCodec } from './codec';

/** Limits on what a user codec may hand back; beyond them fields are cut, never grown. */
export const TS013_LIMITS = {
  sourceBytes: 1024 * 1024,
  /** Heap of the codec worker: a codec that allocates without end kills its worker, not the gateway. */
  heapMb: 64,
  /** Time a codec worker gets to start and evaluate the file. */
  startMs: 5000,
  outputChars: 256 * 1024,
  fields: 64,
  keyChars: 64,
  stringChars: 256,
  depth: 8,
};

/**
 * Runs once in every fresh vm context (inside the codec worker) before the user's file. It captures the built-ins the runner
 * needs before user code can replace them, and removes what could block the thread beyond the
 * vm timeout's reach (Atomics.wait) or compile outside it (WebAssembly).
 * `__lowbandRun` does everything that could run user code (the call, Promise detection, getters
 * and toJSON during serialisation, toString of a thrown value) inside the timed evaluation; the
 * host only ever receives a primitive string.
 */
const PRELUDE = `
var module = { exports: {} };
var exports = module.exports;
delete globalThis.SharedArrayBuffer;
delete globalThis.Atomics;
delete globalThis.WebAssembly;
const __lowbandRun = (function (stringify, parse, toStr, DateC) {
  return function (inputJson) {
    try {
      var input = parse(inputJson);
      input.recvTime = new DateC(input.recvTime);
      var out;
      if (typeof decodeUplink === 'function') out = decodeUplink(input);
      else if (module && module.exports && typeof module.exports.decodeUplink === 'function') out = module.exports.decodeUplink(input);
      else if (typeof Decoder === 'function') out = { data: Decoder(input.bytes, input.fPort) };
      else return stringify({ e: 'no decodeUplink() function' });
      if (out !== null && (typeof out === 'object' || typeof out === 'function') && typeof out.then === 'function') {
        return stringify({ e: 'decodeUplink returned a Promise; codecs must be synchronous' });
      }
      var s = stringify({ r: out });
      return typeof s === 'string' ? s : stringify({ e: 'unserialisable result' });
    } catch (err) {
      var msg = 'codec threw';
      try { msg = 'codec threw: ' + toStr(err !== null && typeof err === 'object' && 'message' in err ? err.message : err).slice(0, 200); } catch (_) {}
      return stringify({ e: msg });
    }
  };
})(JSON.stringify, JSON.parse, String, Date);
`;

const HAS_DECODER = `typeof decodeUplink === 'function' || (module && module.exports && typeof module.exports.decodeUplink === 'function') || typeof Decoder === 'function'`;

function ownString(e: unknown, prop: string): string | undefined {
  if (!types.isNativeError(e)) return undefined;
  const d = Object.getOwnPropertyDescriptor(e, prop);
  return d && 'value' in d && typeof d.value === 'string' ? d.value : undefined;
}

/**
 * The codec worker: plain JavaScript run with `eval`, so it works from tsx and from dist alike.
 * It evaluates the user's file in a vm context holding only JS built-ins, answers each request on
 * its MessagePort and then raises a flag in shared memory so the gateway thread can wait
 * synchronously. The reply is sent from setImmediate, after the microtask queue drained: a codec
 * whose Promise callbacks loop never answers, and the gateway thread's deadline catches that.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const vm = require('node:vm');
const { port, flag, source, filename, prelude, hasDecoder, timeoutMs } = workerData;
const ctl = new Int32Array(flag);
function reply(msg) {
  port.postMessage(msg);
  Atomics.store(ctl, 0, 1);
  Atomics.notify(ctl, 0);
}
function describe(e) {
  if (e && e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { timeout: true };
  return { error: require('node:util').types.isNativeError(e) && typeof e.message === 'string' ? e.message.slice(0, 200) : 'threw' };
}
const ctx = vm.createContext(Object.create(null), { name: 'codec', codeGeneration: { strings: false, wasm: false } });
let loaded;
try {
  vm.runInContext(prelude, ctx, { timeout: 1000 });
  new vm.Script(source, { filename }).runInContext(ctx, { timeout: Math.max(timeoutMs, 1000) });
  loaded = vm.runInContext(hasDecoder, ctx, { timeout: 1000 }) === true ? { ok: true } : { ok: false, error: 'defines no decodeUplink(input) function' };
} catch (e) {
  const d = describe(e);
  loaded = { ok: false, error: d.timeout ? 'top-level code did not finish in time' : 'top-level code threw: ' + d.error };
}
port.on('message', (m) => {
  let out;
  try {
    out = { id: m.id, out: vm.runInContext('__lowbandRun(' + JSON.stringify(m.input) + ')', ctx, { timeout: timeoutMs }) };
  } catch (e) {
    out = Object.assign({ id: m.id }, describe(e));
  }
  setImmediate(() => reply(out));
});
setImmediate(() => reply({ id: 0, loaded }));
`;

interface WorkerReply {
  id: number;
  loaded?: { ok: boolean; error?: string };
  out?: unknown;
  timeout?: boolean;
  error?: string;
}

/** One running codec worker and the shared flag the gateway thread waits on. */
interface CodecWorker {
  worker: Worker;
  port: MessagePort;
  ctl: Int32Array;
  ready: boolean;
  /** Until when a starting worker may take to report that the file loaded. */
  loadDeadline: number;
}

/** First wait before another start after a replacement worker failed to load; doubles up to RESTART_BACKOFF_MAX_MS. */
const RESTART_BACKOFF_MS = 1000;
const RESTART_BACKOFF_MAX_MS = 30_000;

/**
 * A LoRa Alliance TS013 / TTN-style user codec (`function decodeUplink(input) { return {data, warnings, errors} }`;
 * TTN v2 `Decoder(bytes, port)` also works). It runs in a worker thread, inside a `node:vm` context
 * holding only plain JavaScript built-ins: no require, process, timers, fs or network, no eval or
 * WebAssembly. `decode()` stays synchronous: the gateway thread waits on shared memory for at most
 * the time budget; a codec that throws, loops (also in getters or Promise callbacks), returns a
 * Promise or exhausts its heap gives a counted error and its worker is replaced in the background:
 * until the new worker has loaded the file (tens of ms), decode() returns a `restarting` error at
 * once instead of stalling every radio while a thread starts.
 * (An in-thread vm timeout cannot stop Promise callbacks, and stopping them with
 * `microtaskMode: 'afterEvaluate'` aborted Node with a corrupted async-hook stack.)
 * Not a security boundary against hostile code: codecs are the operator's own configuration.
 */
export class Ts013Codec implements PayloadCodec {
  readonly name: string;
  private readonly source: string;
  private current?: CodecWorker;
  private nextId = 1;
  private closed = false;
  /** No new worker is started before this time (after a replacement failed to load). */
  private retryAt = 0;
  private backoffMs = RESTART_BACKOFF_MS;
  private lastFailure?: string;

  /** Loads the file and starts its worker (blocking, at configuration time); throws CodecLoadError when it cannot be used. */
  constructor(readonly path: string, private readonly timeoutMs: number) {
    this.name = basename(path, extname(path)) || 'ts013';
    let size: number;
    try {
      size = statSync(path).size;
    } catch (e) {
      throw new CodecLoadError(path, `cannot read file (${ownString(e, 'code') ?? 'error'})`);
    }
    if (size > TS013_LIMITS.sourceBytes) throw new CodecLoadError(path, `file larger than ${TS013_LIMITS.sourceBytes} bytes`);
    this.source = readFileSync(path, 'utf8');
    try {
      // Compiling runs nothing; it gives syntax errors with a message before any worker starts.
      new vm.Script(this.source, { filename: path });
    } catch (e) {
      throw new CodecLoadError(path, `syntax error: ${ownString(e, 'message') ?? 'unparseable'}`);
    }
    const w = this.spawn();
    this.current = w;
    const problem = this.settle(w, this.await(w, 0, this.loadBudget()));
    if (problem) {
      this.kill();
      throw new CodecLoadError(path, problem);
    }
  }

  /** Stops the worker (it is unref'd, so forgetting this never keeps the process alive). */
  close(): void {
    this.closed = true;
    this.kill();
  }

  /** True when a loaded worker is waiting for payloads (false while a replacement starts). */
  get ready(): boolean {
    return this.poll() === undefined && this.current?.ready === true;
  }

  /**
   * Resolves true once a worker is ready, false after `timeoutMs` or when the codec is closed.
   * For callers that can wait (tests, tools); decode() itself never waits for a start.
   */
  async whenReady(timeoutMs = this.loadBudget() + RESTART_BACKOFF_MAX_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closed) return false;
      if (this.ready) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private loadBudget(): number {
    return TS013_LIMITS.startMs + Math.max(this.timeoutMs, 1000);
  }

  private spawn(): CodecWorker {
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        port: port2, flag, source: this.source, filename: this.path, prelude: PRELUDE, hasDecoder: HAS_DECODER, timeoutMs: this.timeoutMs,
      },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: TS013_LIMITS.heapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      stdout: true,
      stderr: true,
      env: {},
    });
    // Without listeners a worker error (out of memory) would be thrown in the gateway thread.
    worker.on('error', () => undefined);
    worker.unref();
    port1.unref();
    return { worker, port: port1, ctl: new Int32Array(flag), ready: false, loadDeadline: Date.now() + this.loadBudget() };
  }

  private kill(): void {
    const w = this.current;
    this.current = undefined;
    if (!w) return;
    w.port.close();
    void w.worker.terminate().catch(() => undefined);
  }

  /** Drops a broken worker and starts its replacement without waiting for it. */
  private replace(): void {
    this.kill();
    if (this.closed || Date.now() < this.retryAt) return;
    this.current = this.spawn();
  }

  /** Waits (synchronously, bounded) for the reply with this id. */
  private await(w: CodecWorker, id: number, ms: number): WorkerReply | undefined {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      Atomics.wait(w.ctl, 0, 0, left);
      Atomics.store(w.ctl, 0, 0);
      for (let m = receiveMessageOnPort(w.port); m; m = receiveMessageOnPort(w.port)) {
        const r = m.message as WorkerReply;
        if (r.id === id) return r;
      }
    }
  }

  /** Applies a worker's load report: marks it ready, or returns why it cannot be used. */
  private settle(w: CodecWorker, r: WorkerReply | undefined): string | undefined {
    if (!r?.loaded) return 'codec worker did not start in time';
    if (!r.loaded.ok) return r.loaded.error ?? 'could not load';
    w.ready = true;
    return undefined;
  }

  /**
   * Without blocking: starts a replacement when one is due and checks whether a starting worker
   * has loaded. Returns why decoding cannot happen right now, or undefined when a worker is ready.
   */
  private poll(): string | undefined {
    if (this.closed) return 'closed';
    const now = Date.now();
    if (!this.current) {
      if (now < this.retryAt) return `restart failed (${this.lastFailure ?? 'unknown'}), retrying`;
      this.current = this.spawn();
    }
    const w = this.current;
    if (w.ready) return undefined;
    let problem: string | undefined;
    const m = receiveMessageOnPort(w.port);
    if (m) {
      problem = this.settle(w, m.message as WorkerReply);
      if (!problem) {
        this.backoffMs = RESTART_BACKOFF_MS;
        this.lastFailure = undefined;
        return undefined;
      }
    } else if (now >= w.loadDeadline) {
      problem = 'codec worker did not start in time';
    } else {
      return 'restarting';
    }
    // The file loaded once, so this is load or time pressure: back off rather than spin up threads.
    this.kill();
    this.lastFailure = problem;
    this.retryAt = now + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RESTART_BACKOFF_MAX_MS);
    return `restart failed (${problem}), retrying`;
  }

  /** Runs decodeUplink({bytes, fPort, recvTime}) and sanitises its data into flat fields. */
  decode(bytes: Buffer, fport: number): CodecResult {
    const waiting = this.poll();
    if (waiting !== undefined || !this.current) {
      return { error: `codec ${this.name}: worker ${waiting ?? 'unavailable'}`, restarting: true };
    }
    const w = this.current;
    const id = this.nextId++;
    Atomics.store(w.ctl, 0, 0);
    w.port.postMessage({ id, input: JSON.stringify({ bytes: Array.from(bytes), fPort: fport, recvTime: Date.now() }) });
    // The worker's own vm timeout ends synchronous loops; the extra grace covers messaging,
    // and a reply that never comes (looping Promise callbacks, out of memory) ends the worker.
    const r = this.await(w, id, this.timeoutMs + Math.max(50, this.timeoutMs));
    if (!r) {
      this.replace();
      return { error: `codec ${this.name}: timed out after ${this.timeoutMs} ms`, timeout: true };
    }
    if (r.timeout || r.error !== undefined) {
      // The vm context may be left half-way through user code: start over in a fresh worker.
      this.replace();
      if (r.timeout) return { error: `codec ${this.name}: timed out after ${this.timeoutMs} ms`, timeout: true };
      return { error: `codec ${this.name}: aborted (${r.error})` };
    }
    const out = r.out;
    if (typeof out !== 'string') return { error: `codec ${this.name}: runner returned no result` };
    if (out.length > TS013_LIMITS.outputChars) return { error: `codec ${this.name}: result larger than ${TS013_LIMITS.outputChars} characters` };
    return sanitise(this.name, JSON.parse(out) as { r?: unknown; e?: string });
  }
}

function sanitise(name: string, res: { r?: unknown; e?: string }): CodecResult {
  if (typeof res.e === 'string') return { error: `codec ${name}: ${res.e}` };
  const r = res.r;
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return { error: `codec ${name}: decodeUplink returned no object` };
  const { data, errors } = r as { data?: unknown; errors?: unknown };
  if (Array.isArray(errors) && errors.length > 0) {
    const text = errors.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('; ').slice(0, TS013_LIMITS.stringChars);
    return { error: `codec ${name}: ${text}` };
  }
  if (data === null || typeof data !== 'object') return { error: `codec ${name}: decodeUplink returned no data object` };
  return { fields: flattenFields(data) };
}

/**
 * Nested objects and arrays become `a_b` / `a_0` names; only finite numbers, strings and
 * booleans survive, with the number of fields and their sizes capped.
 */
export function flattenFields(data: unknown): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  let n = 0;
  const walk = (v: unknown, key: string, depth: number): void => {
    if (n >= TS013_LIMITS.fields) return;
    if (typeof v === 'number') {
      if (Number.isFinite(v) && key) add(key, v);
    } else if (typeof v === 'boolean') {
      if (key) add(key, v);
    } else if (typeof v === 'string') {
      if (key) add(key, v.slice(0, TS013_LIMITS.stringChars));
    } else if (v !== null && typeof v === 'object' && depth < TS013_LIMITS.depth) {
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
      for (const [k, x] of entries) walk(x, key ? `${key}_${k}` : k, depth + 1);
    }
  };
  const add = (key: string, v: FieldValue): void => {
    if (key.length > TS013_LIMITS.keyChars || key === '__proto__') return;
    fields[key] = v;
    n++;
  };
  walk(data, '', 0);
  return fields;
}
