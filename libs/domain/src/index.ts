export * from './assert';
export * from './clock';
export * from './fact';
export * from './case.model';
export * from './case.engine';
export * from './case.view';
export * from './local-date';
