/** CurveZMQ security: Z85 keys, key files, the ZAP allow-list handler, `keys generate`. */
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
