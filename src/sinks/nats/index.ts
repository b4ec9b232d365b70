export { NatsSink } from './sink';
export { NatsConfigError, resolveNatsEndpoint, type NatsConfig } from './options';
export { subjectFor, msgIdFor, streamData, subjectCovers } from './subject';
