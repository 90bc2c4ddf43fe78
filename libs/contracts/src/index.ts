export * from './case-view';
export * from './roles';
export * from './realtime';
