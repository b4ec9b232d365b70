import { timingSafeEqual } from 'node:crypto';
import { aesCmac, aesEncrypt } from './cmac';
import type { DataFrame, JoinRequestFrame } from './phy';

/** Block B0 / Ai layout shared by the MIC and the keystream (LoRaWAN 1.0.x §4.3.3, §4.4). */
function block(first: number, uplink: boolean, devAddrLe: Buffer, fcnt32: number, last: number): Buffer {
  const b = Buffer.alloc(16);
  b[0] = first;
  b[5] = uplink ? 0 : 1;
  devAddrLe.copy(b, 6, 0, 4);
  b.writeUInt32LE(fcnt32 >>> 0, 10);
  b[15] = last;
  return b;
}

/** MIC of a data frame: AES-CMAC(NwkSKey, B0 | MHDR..FRMPayload)[0:4], with the full 32-bit FCnt. */
export function dataMic(nwkSKey: Buffer, frame: DataFrame, fcnt32: number): Buffer {
  const b0 = block(0x49, frame.uplink, frame.devAddrLe, fcnt32, frame.micInput.length & 0xff);
  return aesCmac(nwkSKey, Buffer.concat([b0, frame.micInput])).subarray(0, 4);
}

/** True when the data frame's MIC verifies with this key and 32-bit FCnt (constant-time compare). */
export function verifyDataMic(nwkSKey: Buffer, frame: DataFrame, fcnt32: number): boolean {
  return frame.mic.length === 4 && timingSafeEqual(dataMic(nwkSKey, frame, fcnt32), frame.mic);
}

/** Decrypts (or encrypts: XOR is symmetric) FRMPayload with the AES(key, Ai) keystream. */
export function cryptFrmPayload(key: Buffer, frame: DataFrame, fcnt32: number, payload = frame.frmPayload): Buffer {
  const n = Math.ceil(payload.length / 16);
  if (n === 0) return Buffer.alloc(0);
  const blocks = Buffer.alloc(n * 16);
  for (let i = 0; i < n; i++) block(0x01, frame.uplink, frame.devAddrLe, fcnt32, (i + 1) & 0xff).copy(blocks, i * 16);
  const s = aesEncrypt(key, blocks);
  const out = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = payload[i] ^ s[i];
  return out;
}

/** True when a join request's MIC verifies: AES-CMAC(AppKey, MHDR | JoinEUI | DevEUI | DevNonce)[0:4]. */
export function verifyJoinRequestMic(appKey: Buffer, frame: JoinRequestFrame): boolean {
  return timingSafeEqual(aesCmac(appKey, frame.micInput).subarray(0, 4), frame.mic);
}
