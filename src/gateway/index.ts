/**
 * The gateway: `assemble` builds adapters, decoding stages, logs, sinks and services from the
 * config; `Gateway` starts and stops them in order; `status` derives status, alarms and stats
 * from the parts. Policy lives in the parts (CURVE in security/, decoding in pipeline/).
 */
export { Gateway, VERSION } from './gateway';
export { assemble, SINKS, SERVICES, type Assembly, type SinkContext, type ServiceContext, type GatewayOverrides, type AdapterEntry, type SinkEntry, type Service } from './assemble';
