import type { Advert, DecodeContext, DecodeResult } from '../advert';
import { Abn03Decoder } from './abn03';
import { AmphiroDecoder } from './amphiro';
import { AranetDecoder } from './aranet';
import { Atc1441Decoder } from './atc1441';
import { AbtempDecoder, BmBatteryDecoder, JaaleeDecoder } from './beacon-sensors';
import { BeewiDecoder } from './beewi';
import { BluemaestroDecoder } from './bluemaestro';
import { BparasiteDecoder } from './bparasite';
import { BthomeDecoder } from './bthome';
import type { KeyedDecoder } from './common';
import { EddystoneDecoder } from './eddystone';
import { FeasyDecoder } from './feasy';
import { FlowercareDecoder } from './flowercare';
import { GoveeDecoder } from './govee';
import { HoboDecoder } from './hobo';
import { IbeaconDecoder } from './ibeacon';
import { InkbirdDecoder } from './inkbird';
import { InodeDecoder } from './inode';
import { KkmDecoder } from './kkm';
import { MibeaconDecoder } from './mibeacon';
import { MiscaleDecoder } from './miscale';
import { MokoDecoder } from './moko';
import { MopekaDecoder } from './mopeka';
import { NodonDecoder } from './nodon';
import { OralbDecoder } from './oralb';
import { OrasDecoder } from './oras';
import { OriaDecoder } from './oria';
import { PvvxDecoder } from './pvvx';
import { QingpingDecoder } from './qingping';
import { Rdl52832Decoder } from './rdl52832';
import { Ruuvi6Decoder, RuuviE1Decoder } from './ruuvi-air';
import { Ruuvi3Decoder } from './ruuvi3';
import { Ruuvi5Decoder } from './ruuvi5';
import { SensirionDecoder } from './sensirion';
import { SensorEasyDecoder } from './sensoreasy';
import { SensorpushDecoder } from './sensorpush';
import { SmartdryDecoder } from './smartdry';
import { SwitchbotDecoder } from './switchbot';
import { ThermobeaconDecoder } from './thermobeacon';
import { ThermoproDecoder } from './thermopro';
import { TiltDecoder } from './tilt';
import { TpmsDecoder } from './tpms';
import { XossDecoder } from './xoss';

/** Every supported format; adding one is a file in this folder plus one line here. */
export const DECODERS: readonly KeyedDecoder[] = [
  BthomeDecoder,
  Ruuvi5Decoder,
  Ruuvi3Decoder,
  Ruuvi6Decoder,
  RuuviE1Decoder,
  Atc1441Decoder,
  PvvxDecoder,
  IbeaconDecoder,
  EddystoneDecoder,
  GoveeDecoder,
  SwitchbotDecoder,
  MibeaconDecoder,
  QingpingDecoder,
  InkbirdDecoder,
  MiscaleDecoder,
  FlowercareDecoder,
  SensorpushDecoder,
  ThermoproDecoder,
  MopekaDecoder,
  AranetDecoder,
  ThermobeaconDecoder,
  BluemaestroDecoder,
  TiltDecoder,
  SensirionDecoder,
  TpmsDecoder,
  BparasiteDecoder,
  // the rest of the long tail (Theengs device list): one line per format file
  BmBatteryDecoder,
  AbtempDecoder,
  JaaleeDecoder,
  Rdl52832Decoder,
  InodeDecoder,
  KkmDecoder,
  SmartdryDecoder,
  MokoDecoder,
  Abn03Decoder,
  FeasyDecoder,
  SensorEasyDecoder,
  OriaDecoder,
  BeewiDecoder,
  NodonDecoder,
  OralbDecoder,
  XossDecoder,
  HoboDecoder,
  OrasDecoder,
  AmphiroDecoder,
];

/** Dispatch tables built once: service UUID / company id / local name → candidate decoders. */
export class DecoderIndex {
  private readonly byUuid = new Map<string, KeyedDecoder[]>();
  private readonly byCompany = new Map<number, KeyedDecoder[]>();
  private readonly byName = new Map<string, KeyedDecoder[]>();
  private readonly byPrefix: { prefix: string; decoder: KeyedDecoder }[] = [];
  private readonly unkeyed: KeyedDecoder[] = [];

  constructor(decoders: readonly KeyedDecoder[]) {
    for (const d of decoders) {
      for (const u of d.serviceUuids ?? []) push(this.byUuid, u, d);
      for (const c of d.companyIds ?? []) push(this.byCompany, c, d);
      for (const n of d.localNames ?? []) push(this.byName, n, d);
      for (const p of d.namePrefixes ?? []) this.byPrefix.push({ prefix: p, decoder: d });
      if (d.unkeyedManufacturer) this.unkeyed.push(d);
    }
  }

  /**
   * Decodes with the first candidate that claims the advert: local name, exact then prefix
   * (formats known only by name send manufacturer data without a company id, which must not be
   * read as one), then service data entries in advert order, then manufacturer data by company
   * id, then the formats without a company id. Undefined when none claims it.
   */
  decode(advert: Advert, ctx: DecodeContext): DecodeResult | undefined {
    return this.claim(advert, (d) => d.decode(advert, ctx));
  }

  /** The decoder that would decode `advert` (undefined when none claims it). */
  claimant(advert: Advert): KeyedDecoder | undefined {
    return this.claim(advert, (d) => d);
  }

  private claim<T>(advert: Advert, use: (d: KeyedDecoder) => T): T | undefined {
    const name = advert.localName;
    if (name !== undefined) {
      if (this.byName.size > 0) {
        const r = first(this.byName.get(name), advert, use);
        if (r !== undefined) return r;
      }
      const ps = this.byPrefix;
      for (let i = 0; i < ps.length; i++) {
        if (name.startsWith(ps[i].prefix) && claims(ps[i].decoder, advert)) return use(ps[i].decoder);
      }
    }
    const sd = advert.serviceData;
    for (let i = 0; i < sd.length; i++) {
      const r = first(this.byUuid.get(sd[i].uuid), advert, use);
      if (r !== undefined) return r;
    }
    const m = advert.manufacturerData;
    if (m && m.length >= 2) {
      const r = first(this.byCompany.get(m[0] | (m[1] << 8)), advert, use);
      if (r !== undefined || this.unkeyed.length === 0) return r;
      return first(this.unkeyed, advert, use); // no company id in the data: last resort, by length and type byte
    }
    return undefined;
  }
}

function push<K>(map: Map<K, KeyedDecoder[]>, key: K, d: KeyedDecoder): void {
  const list = map.get(key);
  if (list) {
    if (!list.includes(d)) list.push(d);
  } else map.set(key, [d]);
}

function claims(d: KeyedDecoder, advert: Advert): boolean {
  try {
    return d.matches(advert);
  } catch {
    return false; // matches() must be cheap and total; a throwing one simply does not claim the advert
  }
}

function first<T>(cands: KeyedDecoder[] | undefined, advert: Advert, use: (d: KeyedDecoder) => T): T | undefined {
  if (!cands) return undefined;
  for (let i = 0; i < cands.length; i++) {
    if (claims(cands[i], advert)) return use(cands[i]);
  }
  return undefined;
}

/** 16-bit service UUIDs some built-in decoder handles (lets line input without a UUID be recognised). */
export const KNOWN_SERVICE_UUIDS: ReadonlySet<string> = new Set(DECODERS.flatMap((d) => d.serviceUuids ?? []));

const DEFAULT_INDEX = new DecoderIndex(DECODERS);

/** The built-in decoder that claims `advert`, if any (tests check each vector's claimant). */
export function claimantOf(advert: Advert): KeyedDecoder | undefined {
  return DEFAULT_INDEX.claimant(advert);
}

/** Decodes one advert with the built-in formats; undefined = no decoder recognises it. */
export function decodeAdvert(advert: Advert, ctx: DecodeContext): DecodeResult | undefined {
  return DEFAULT_INDEX.decode(advert, ctx);
}
