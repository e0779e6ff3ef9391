export * from './payment-provider';
export * from './simulated-provider';
export * from './guarded-provider';
