/**
 * The alert rule engine (docs/alert-rules.md): pure evaluations
 * `(track | undefined, input, ctx) → { state, raised, updated, cleared, annotations }`.
 */
export * from './rules.model';
export {
  DEFAULT_RULE_CONFIG,
  ENVIRONMENT_PARAMETER_INFO,
  VITAL_PARAMETERS,
  inParameterUnit,
  resolveLimits,
  type ParameterInfo,
  type RuleConfig,
} from './rules.config';
export { casePhase } from './case.phase';
export { clearRuleAlerts, ruleAlertId } from './rule.outcome';
export { evaluateVitals, vitalAlertId, type PhaseInput, type VitalRuleContext } from './vital.rules';
export {
  environmentAlertId,
  evaluateEnvironment,
  type EnvironmentInput,
  type EnvironmentReading,
  type EnvironmentRuleContext,
} from './environment.rules';
export { evaluateStale, staleAlertId, type StaleRuleContext } from './stale.rules';
export { maintenanceDue, maintenanceReason, pickBackup, zoneDistance, type BackupQuery } from './device.availability';
export {
  deviceOfflineAlertId,
  evaluateDeviceOffline,
  type DeviceRuleContext,
  type DeviceRuleInput,
} from './device.rules';
export {
  equipmentConflictAlertId,
  evaluateEquipment,
  maintenanceAlertId,
  type EquipmentRuleContext,
  type EquipmentRuleInput,
  type UpcomingCase,
} from './equipment.rules';
