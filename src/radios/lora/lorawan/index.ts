export { aesCmac, aesEncrypt } from './cmac';
export { cryptFrmPayload, dataMic, verifyDataMic, verifyJoinRequestMic } from './crypto';
export { FcntTracker, MAX_BEHIND, type CommitOutcome, type FcntCandidate } from './fcnt';
export { searchFcntEpoch } from './fcnt-search';
export { FcntStore, FCNT_STATE_FILE, FCNT_FLUSH_MS } from './fcnt-store';
export {
  MTYPES, leHex, parsePhyPayload,
  type DataFrame, type FCtrl, type JoinAcceptFrame, type JoinRequestFrame, type LorawanErrorCode, type LorawanFrame,
  type LorawanParseError, type MType, type ParseResult, type ProprietaryFrame, type RejoinRequestFrame,
} from './phy';
export { LoraFrameDecoder, verifyAndDecrypt, type DataVerdict, type DeviceSession, type LoraFrameDecoderOptions } from './decoder';
export { decodeLoraLine, parseDevaddrKeys, KeySpecError, type DeviceKeys, type LoraLineSession } from './decode-line';
