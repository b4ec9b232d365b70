import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { GatewayStatus } from '../control/protocol';
import type { Reading } from '../core/reading';

/** What the web server itself counts, shown beside the gateway's own figures. */
export interface WebFigures {
  drops: Record<string, number>;
  streamClients: number;
  devices: number;
}

type Labels = Record<string, string>;

/**
 * `GET /metrics`: the gateway's state in Prometheus text form (docs/metrics.md lists every
 * metric). Everything except the per-source reading counter is read at scrape time from the
 * same `status()` snapshot `lowband status --json` shows, so the two never disagree.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Accepted readings by `radio\0src`: a Map on the hot path, turned into the counter at scrape. */
  private readonly readings = new Map<string, number>();
  private snapshot: GatewayStatus | undefined;
  private web: WebFigures = { drops: {}, streamClients: 0, devices: 0 };

  constructor(
    private readonly status: () => GatewayStatus,
    private readonly webFigures: () => WebFigures,
  ) {
    const registers = [this.registry];
    const self = this;
    new Counter({
      name: 'lowband_readings_total',
      help: 'Readings accepted by the pipeline (given a seq), by radio and adapter.',
      labelNames: ['radio', 'src'],
      registers,
      collect() {
        this.reset();
        for (const [key, n] of self.readings) {
          const [radio, src] = key.split('\0');
          this.inc({ radio, src }, n);
        }
      },
    });
    // Each metric below is filled from the one snapshot taken per scrape (see scrape()).
    const gauge = (name: string, help: string, labelNames: string[], fill: (s: GatewayStatus, set: (l: Labels, v: number) => void) => void) =>
      new Gauge({
        name, help, labelNames, registers,
        collect() {
          this.reset();
          if (self.snapshot) fill(self.snapshot, (l, v) => this.set(l, v));
        },
      });
    const counter = (name: string, help: string, labelNames: string[], fill: (s: GatewayStatus, add: (l: Labels, v: number) => void) => void) =>
      new Counter({
        name, help, labelNames, registers,
        collect() {
          this.reset();
          if (self.snapshot) fill(self.snapshot, (l, v) => this.inc(l, v));
        },
      });

    gauge('lowband_info', 'Always 1; labels carry the version and gateway id.', ['version', 'gateway'], (s, set) => set({ version: s.version, gateway: s.gateway }, 1));
    gauge('lowband_uptime_seconds', 'Seconds since the gateway started.', [], (s, set) => set({}, s.uptimeS));
    gauge('lowband_seq', 'Last sequence number assigned (exact up to 2^53).', [], (s, set) => set({}, Number(s.seq)));
    gauge('lowband_readings_per_second', 'Recent rate of accepted readings.', [], (s, set) => set({}, s.readings.perSecond));
    gauge('lowband_alarms', 'Conditions needing attention (the ALARMS list of lowband status).', [], (s, set) => set({}, s.alarms.length));
    counter(
      'lowband_drops_total',
      'Readings, frames or messages dropped, by stage (pipeline, adapter, sink, spool, web), the adapter or sink, and cause.',
      ['stage', 'adapter', 'sink', 'cause'],
      (s, add) => {
        for (const [cause, n] of Object.entries(s.drops)) add({ stage: 'pipeline', cause }, n);
        for (const a of s.adapters) for (const [cause, n] of Object.entries(a.drops)) add({ stage: 'adapter', adapter: a.name, cause }, n);
        for (const k of s.sinks) for (const [cause, n] of Object.entries(k.drops)) add({ stage: 'sink', sink: k.name, cause }, n);
        for (const [cause, n] of Object.entries(numbers(s.spool?.drops))) add({ stage: 'spool', cause }, n);
        for (const [cause, n] of Object.entries(this.web.drops)) add({ stage: 'web', cause }, n);
      },
    );
    counter('lowband_adapter_received_total', 'Packets an adapter heard and handed on.', ['adapter', 'kind'], (s, add) => {
      for (const a of s.adapters) add({ adapter: a.name, kind: a.kind }, a.received);
    });
    gauge('lowband_adapter_state', '1 for the state each adapter is in (starting, running, reconnecting, degraded, stopped).', ['adapter', 'kind', 'state'], (s, set) => {
      for (const a of s.adapters) set({ adapter: a.name, kind: a.kind, state: a.state }, 1);
    });
    gauge('lowband_adapter_last_heard_timestamp_seconds', 'Receive time of the last packet an adapter heard (Unix seconds).', ['adapter'], (s, set) => {
      for (const a of s.adapters) if (a.lastHeardUs !== undefined) set({ adapter: a.name }, a.lastHeardUs / 1e6);
    });
    counter('lowband_decoder_frames_total', 'Outcomes counted by shared decoding stages (lorawan: decoded, authenticated, mic_failed, ...).', ['decoder', 'result'], (s, add) => {
      for (const [decoder, counters] of Object.entries(s.decoders ?? {})) for (const [result, n] of Object.entries(counters)) add({ decoder, result }, n);
    });
    gauge('lowband_sink_state', '1 for the state each sink is in (listening, connected, connecting, ...).', ['sink', 'kind', 'state'], (s, set) => {
      for (const k of s.sinks) set({ sink: k.name, kind: k.kind, state: k.state }, 1);
    });
    gauge('lowband_queue_messages', "Messages waiting in a sink's queue (not yet sent).", ['sink'], (s, set) => {
      for (const k of s.sinks) set({ sink: k.name }, k.backlog.messages);
    });
    gauge('lowband_queue_bytes', "Bytes waiting in a sink's queue.", ['sink'], (s, set) => {
      for (const k of s.sinks) set({ sink: k.name }, k.backlog.bytes);
    });
    gauge('lowband_sink_in_flight', 'Messages sent and not yet acknowledged.', ['sink'], (s, set) => {
      for (const k of s.sinks) set({ sink: k.name }, k.inFlight);
    });
    gauge('lowband_sink_lag_messages', 'Messages a sink has not delivered yet: queued plus in flight.', ['sink'], (s, set) => {
      for (const k of s.sinks) set({ sink: k.name }, k.backlog.messages + k.inFlight);
    });
    gauge('lowband_sink_cursor', 'Last seq a sink delivered (publish) or had acknowledged (reliable, mqtt).', ['sink'], (s, set) => {
      for (const k of s.sinks) set({ sink: k.name }, Number(k.cursor));
    });
    const spoolFigures: [string, string, string][] = [
      ['lowband_spool_bytes', 'bytes', 'Bytes of the durable spool on disk (absent without a spool).'],
      ['lowband_spool_max_bytes', 'maxBytes', 'The spool bound (spool.max_bytes).'],
      ['lowband_spool_memory_bytes', 'memoryBytes', 'Bytes appended to the spool and not yet on disk.'],
      ['lowband_spool_segments', 'segments', 'Spool segment files.'],
    ];
    for (const [name, key, help] of spoolFigures) {
      gauge(name, help, [], (s, set) => {
        const v = s.spool?.[key];
        if (typeof v === 'number') set({}, v);
      });
    }
    gauge('lowband_web_stream_clients', 'Browsers holding the live readings stream open.', [], (_s, set) => set({}, this.web.streamClients));
    gauge('lowband_web_devices', 'Devices the web page currently shows (web.max_devices bounds it).', [], (_s, set) => set({}, this.web.devices));
    collectDefaultMetrics({ register: this.registry, prefix: 'lowband_' });
  }

  /** Counts one accepted reading (the gateway's readings tap). */
  countReading(r: Reading): void {
    const key = `${r.radio}\0${r.src}`;
    this.readings.set(key, (this.readings.get(key) ?? 0) + 1);
  }

  /** The exposition text; one status snapshot serves every metric of this scrape. */
  scrape(): Promise<string> {
    // Kept after the scrape: two overlapping scrapes then both read a fresh snapshot.
    this.snapshot = this.status();
    this.web = this.webFigures();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** The numeric members of a free-form object (the spool's drops). */
function numbers(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === 'object') for (const [k, n] of Object.entries(v)) if (typeof n === 'number') out[k] = n;
  return out;
}
