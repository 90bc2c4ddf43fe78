export * from './case-view';
export * from './roles';
export * from './accounts';
export * from './realtime';
export * from './ready-line';
export * from './mdc';
export * from './kpi';
export * from './device-view';
