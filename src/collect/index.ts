export { Collector, messageJson, type CollectorOptions, type CollectorStats } from './collector';
export { runCollect } from './command';
