/**
 * src/security owns CurveZMQ: Z85 keys and key files, the ZAP allow-list handler, the live
 * allow-list file (reload on change and SIGHUP), the gateway's CURVE policy (curve-setup.ts:
 * which sockets are servers or clients, with which keys) and `lowband keys generate`.
 */
export { z85Encode, z85Decode, isZ85Key, Z85Error } from './z85';
export {
  generateKeyPair, writeKeyPair, readKeyFile, publicKeyFromSecret, readAllowList, parseAllowList, KeyFileError,
  type CurveKeyPair, type WrittenKeyPair,
} from './curve-keys';
export {
  startZap, applyCurve, decideZap, ZAP_ENDPOINT, ZAP_DOMAIN,
  type ZapHandler, type ZapDecision, type CurveServerKeys, type CurveClientKeys,
} from './zap';
export { runKeysGenerate } from './keys-command';
export { CurveSetup, type CurveClientOptions } from './curve-setup';
export { LiveAllowList, type AllowListStatus, type LiveAllowListOptions, type ReloadTrigger } from './live-allow-list';
