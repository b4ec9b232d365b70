import type { GatewayStatus } from '../control/protocol';
import type { SinkStatus } from '../sinks/sink';
import type { Assembly } from './assemble';
import type { Pipeline } from '../pipeline/pipeline';
import type { SequenceCounter } from '../core/sequence';

/** What the status snapshot is read from: the assembled parts and the running pipeline. */
export interface StatusSources {
  version: string;
  id: string;
  startedAt: Date;
  parts: Assembly;
  pipeline: Pipeline;
  seq: SequenceCounter | undefined;
  spoolMaxBytes: number;
  /** Readings lost to a fault between an adapter and the pipeline (a bug, counted). */
  faults: number;
}

/** Snapshot for `lowband status` and `sys/stats` (schema in docs/status.md). */
export function gatewayStatus(s: StatusSources): GatewayStatus {
  const { parts, pipeline } = s;
  return {
    version: s.version,
    gateway: s.id,
    pid: process.pid,
    startedAt: s.startedAt.toISOString(),
    uptimeS: Math.round((Date.now() - s.startedAt.getTime()) / 1000),
    seq: pipeline.lastSeq.toString(),
    readings: { total: pipeline.total, perSecond: pipeline.perSecond() },
    drops: gatewayDrops(s),
    adapters: parts.adapters.map((a) => a.adapter.status()),
    sinks: parts.sinks.map(({ sink }) => {
      const st: SinkStatus = sink.status();
      const curve = sink.name === 'publish' ? parts.curve.status() : undefined;
      if (curve) st.curve = curve;
      return st;
    }),
    spool: parts.spool ? { ...parts.spool.status(), maxBytes: s.spoolMaxBytes } : undefined,
    decoders: { lorawan: { ...parts.lora.counters } },
    alarms: currentAlarms(s),
    ...serviceStatus(s),
  };
}

/** Each service's own figures under its name (`control`: connections and refusals). */
function serviceStatus(s: StatusSources): Record<string, object> {
  const out: Record<string, object> = {};
  for (const svc of s.parts.services) if (svc.status) out[svc.name] = svc.status();
  return out;
}

/** Drops between the adapters and the log: the pipeline's and the decoding stages', by cause. */
function gatewayDrops(s: StatusSources): Record<string, number> {
  const drops: Record<string, number> = { ...s.pipeline.drops };
  for (const [cause, n] of Object.entries(s.parts.lora.drops.byCause)) drops[cause] = (drops[cause] ?? 0) + n;
  if (s.faults > 0) drops.pipeline_fault = s.faults;
  return drops;
}

/** Conditions a person should look at, derived from the parts' own state. */
export function currentAlarms(s: StatusSources): string[] {
  const alarms: string[] = [];
  const seqAlarm = s.seq?.alarm;
  if (seqAlarm) alarms.push(`seq: ${seqAlarm}`);
  const fcntAlarm = s.parts.lora.alarm;
  if (fcntAlarm) alarms.push(`lorawan fcnt: ${fcntAlarm}`);
  const curveAlarm = s.parts.curve.alarm;
  if (curveAlarm) alarms.push(`curve: ${curveAlarm}`);
  const spoolAlarm = s.parts.spool?.status().alarm;
  if (spoolAlarm) alarms.push(`spool: ${spoolAlarm}`);
  // A sink that cannot deliver (a refused login, an unusable stream) says why in `alarm`.
  for (const { sink } of s.parts.sinks) {
    const alarm = sink.status().alarm;
    if (typeof alarm === 'string') alarms.push(`${sink.name}: ${alarm}`);
  }
  for (const { adapter } of s.parts.adapters) {
    const a = adapter.status();
    if (a.state === 'degraded') alarms.push(`${a.name}: ${a.detail ?? 'degraded'}`);
    else if (a.state === 'deaf') alarms.push(`${a.name}: ${a.detail ?? 'deaf: not hearing, re-arming'}`);
  }
  return alarms;
}

/** The body of the periodic `sys/stats` event: the status, trimmed to counters. */
export function statsBody(st: GatewayStatus) {
  return {
    uptime_s: st.uptimeS,
    readings: st.readings.total,
    per_second: st.readings.perSecond,
    drops: st.drops,
    adapters: Object.fromEntries(st.adapters.map((a) => [a.name, { state: a.state, received: a.received, drops: a.drops }])),
    sinks: Object.fromEntries(st.sinks.map((k) => [k.name, { state: k.state, backlog: k.backlog.messages, drops: k.drops }])),
  };
}
