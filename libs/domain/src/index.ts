export * from './assert';
export * from './clock';
export * from './fact';
export * from './case.model';
export * from './case.engine';
export * from './case.lookup';
export * from './case.identity';
export * from './case.replay';
export * from './case.view';
export * from './local-date';
export * from './vitals/plausibility';
export { UNSPECIFIED_PROCEDURE, MOVEMENT_WINDOW_MS } from './engine/case.draft';
export { DEVICE_ALARM_KIND, alarmAlertId } from './engine/alarm.apply';
export {
  CHECKLIST_ALERT_KIND,
  DEFAULT_CONFLICT_TOLERANCE_MS,
  checklistAlertId,
  precedenceOf,
} from './engine/case.draft';
export * from './planning/conflicts';
export * from './planning/kpi';
export * from './planning/predict';
export * from './alerts';
export { DELAY_ALERT_ID, DELAY_ALERT_KIND } from './engine/prediction.apply';
export { applyDeviceConditions, changesAlerts, evaluateDeviceConditions } from './engine/device-conditions.apply';
export {
  applyConditions,
  conditionsWorthWriting,
  evaluateConditions,
  type ConditionsCase,
} from './engine/conditions.apply';
export { applyLimits, vitalLimitsOf } from './engine/limits.apply';
export { alertEventKind } from './engine/event.kind';
