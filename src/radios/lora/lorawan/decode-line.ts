import type { PayloadCodec } from '../../../codecs';
import { verifyJoinRequestMic } from './crypto';
import { verifyAndDecrypt } from './decoder';
import { FcntTracker } from './fcnt';
import { parsePhyPayload } from './phy';

/** ABP session keys for `lowband decode lora --devaddr-keys`, plus an optional codec. */
export interface DeviceKeys {
  /** DevAddr printed MSB-first, 8 lowercase hex digits. */
  devaddr: string;
  nwkskey: Buffer;
  appskey: Buffer;
  codec?: PayloadCodec;
}

/** A bad `--devaddr-keys` value; the message names the entry, never the key material. */
export class KeySpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeySpecError';
  }
}

/** State kept across the lines of one `decode lora` run: FCnt tracking and join-request AppKeys. */
export interface LoraLineSession {
  tracker?: FcntTracker;
  appkeys?: Buffer[];
}

/** Parses `DEVADDR:NWKSKEY:APPSKEY[,...]` (hex; DevAddr MSB-first); throws KeySpecError when malformed. */
export function parseDevaddrKeys(spec: string): DeviceKeys[] {
  const out: DeviceKeys[] = [];
  const entries = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.length === 0) throw new KeySpecError('--devaddr-keys: expected DEVADDR:NWKSKEY:APPSKEY[,...]');
  entries.forEach((entry, i) => {
    const parts = entry.split(':');
    const n = i + 1;
    if (parts.length !== 3) throw new KeySpecError(`--devaddr-keys entry ${n}: expected DEVADDR:NWKSKEY:APPSKEY (3 parts, got ${parts.length})`);
    const [devaddr, nwk, app] = parts;
    if (!/^[0-9a-fA-F]{8}$/.test(devaddr)) throw new KeySpecError(`--devaddr-keys entry ${n}: DevAddr must be 8 hex digits`);
    if (!/^[0-9a-fA-F]{32}$/.test(nwk)) throw new KeySpecError(`--devaddr-keys entry ${n} (${devaddr.toLowerCase()}): NwkSKey must be 32 hex digits`);
    if (!/^[0-9a-fA-F]{32}$/.test(app)) throw new KeySpecError(`--devaddr-keys entry ${n} (${devaddr.toLowerCase()}): AppSKey must be 32 hex digits`);
    out.push({ devaddr: devaddr.toLowerCase(), nwkskey: Buffer.from(nwk, 'hex'), appskey: Buffer.from(app, 'hex') });
  });
  return out;
}

const printable = (b: Buffer): boolean => b.length > 0 && b.every((c) => c >= 0x20 && c < 0x7f);

/**
 * One PHYPayload hex line → a JSON-ready description of the frame: header fields, MIC check and
 * plaintext when keys for its DevAddr are given, codec fields when the keys name a codec.
 * Bad hex or a short frame gives `{error}`; it never throws.
 */
export function decodeLoraLine(line: string, keys: DeviceKeys[], session: LoraLineSession = {}): object {
  try {
    const hex = line.trim().replace(/\s+/g, '');
    if (hex.length === 0) return { error: 'empty line' };
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) return { error: 'not an even-length hex string' };
    const phy = Buffer.from(hex, 'hex');
    const p = parsePhyPayload(phy);
    if (!p.ok) return { error: p.error.message, code: p.error.code };
    const f = p.frame;
    switch (f.kind) {
      case 'join-request': {
        const out: Record<string, unknown> = {
          mtype: f.mtype, major: f.major, joineui: f.joineui, deveui: f.deveui, devnonce: f.devnonce, mic: f.mic.toString('hex'),
        };
        if (session.appkeys?.length) out.mic_ok = session.appkeys.some((k) => verifyJoinRequestMic(k, f));
        return out;
      }
      case 'join-accept':
        return { mtype: f.mtype, major: f.major, encrypted: f.encrypted.toString('hex') };
      case 'rejoin-request':
        return {
          mtype: f.mtype, major: f.major, rejoin_type: f.rejoinType, deveui: f.deveui, rjcount: f.rjcount, mic: f.mic.toString('hex'),
          ...(f.netid ? { netid: f.netid } : {}), ...(f.joineui ? { joineui: f.joineui } : {}),
        };
      case 'proprietary':
        return { mtype: f.mtype, major: f.major, payload: f.payload.toString('hex') };
      case 'data': {
        const out: Record<string, unknown> = {
          mtype: f.mtype, major: f.major, devaddr: f.devaddr, fctrl: f.fctrl, fcnt: f.fcnt16,
          fopts: f.fopts.toString('hex'),
          ...(f.fport !== undefined ? { fport: f.fport } : {}),
          frmpayload: f.frmPayload.toString('hex'), mic: f.mic.toString('hex'),
        };
        const k = keys.find((d) => d.devaddr === f.devaddr);
        if (!k) return out;
        session.tracker ??= new FcntTracker();
        const v = verifyAndDecrypt(f, k, session.tracker);
        out.mic_ok = v.ok;
        // The 32-bit FCnt came from the brute-force search, not from the previous lines.
        if (v.searched) out.fcnt_search = true;
        if (!v.ok) {
          if (v.replay) out.fcnt_check = 'old counter: replay, or a device restart awaiting a second frame';
          return out;
        }
        out.fcnt = v.fcnt.fcnt;
        out.plaintext = v.plaintext.toString('hex');
        if (printable(v.plaintext)) out.text = v.plaintext.toString('latin1');
        if (k.codec && f.uplink && f.fport !== undefined && f.fport > 0) {
          const res = k.codec.decode(v.plaintext, f.fport);
          if (res.fields && res.error === undefined) {
            out.fmt = k.codec.name;
            out.fields = res.fields;
          } else {
            out.codec_error = res.error ?? 'codec gave no fields';
          }
        }
        return out;
      }
    }
  } catch (e) {
    return { error: `internal: ${e instanceof Error ? e.message : String(e)}` };
  }
}
