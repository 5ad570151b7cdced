export * from './domain';
export * from './events';
