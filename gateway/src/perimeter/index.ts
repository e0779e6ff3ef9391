export * from './http';
export * from './limits';
export * from './plugin';
export * from './rate-limit';
export * from './validate-operation';
export * from './ws';
