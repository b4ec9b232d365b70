/** MQTT upstream: QoS 1 JSON readings, availability, Home Assistant discovery. */
export { MqttSink } from './sink';
export { MqttConfigError, DEFAULT_TUNING, parseBrokerUrl, type MqttConfig, type MqttTuning } from './options';
export { toMqttMessage, messageJson, mqttTopic, statusTopic, isoTimeUs, type MqttMessage } from './payload';
export { discoveryConfigs, AnnouncedSet, type DiscoveryConfig, type DiscoverySettings } from './discovery';
