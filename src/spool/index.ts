export { Spool, type SpoolOptions, type SpoolStatus, type SpoolCursor } from './spool';
export { nodeFiles, type SpoolFiles } from './files';
