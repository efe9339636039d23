export * from './messages';
export * from './payloads';
export * from './mime';
export * from './outputs';
export * from './jupyter';
