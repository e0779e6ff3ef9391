export * from './payment-provider';
export * from './simulated-provider';
