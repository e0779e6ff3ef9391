export * from './types';
export * from './zones';
export * from './rounding';
export * from './shipping';
export * from './tax';
export * from './coupons';
export * from './quote';
