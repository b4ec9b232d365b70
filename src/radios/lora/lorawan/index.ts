export { aesCmac, aesEncrypt } from './cmac';
export { cryptFrmPayload, dataMic, verifyDataMic, verifyJoinRequestMic } from './crypto';
export { FcntTracker, type FcntCandidate } from './fcnt';
export {
  MTYPES, leHex, parsePhyPayload,
  type DataFrame, type FCtrl, type JoinAcceptFrame, type JoinRequestFrame, type LorawanErrorCode, type LorawanFrame,
  type LorawanParseError, type MType, type ParseResult, type ProprietaryFrame, type RejoinRequestFrame,
} from './phy';
export { LoraFrameDecoder, verifyAndDecrypt, type DataVerdict, type DeviceSession } from './decoder';
export { decodeLoraLine, parseDevaddrKeys, KeySpecError, type DeviceKeys, type LoraLineSession } from './decode-line';
