export { WebServer, type WebConfig } from './server';
export { PairingToken } from './pairing-token';
export type { DeviceView, DeviceUpdate } from './device-table';
