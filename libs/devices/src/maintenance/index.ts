/**
 * Predictive maintenance (issue 5): usage counting, the service-date forecast, its alerts and
 * error-code rates. Pure: no I/O, no clock reads; time is passed in.
 */
export {
  counterIncrease,
  countedEpisodes,
  timedCounts,
  type CounterIncrease,
  type RoomEpisode,
  type TimedCount,
  type UsageSample,
} from './usage.counter';
export {
  DEFAULT_FORECAST_OPTIONS,
  forecastMaintenance,
  usageRate,
  usesSinceService,
  type ForecastBasis,
  type ForecastInput,
  type ForecastOptions,
  type MaintenanceForecast,
  type RateMethod,
  type ServiceInterval,
  type UsageRate,
} from './forecast';
export {
  DEFAULT_MAINTENANCE_THRESHOLDS,
  MAINTENANCE_ALERT_LEVELS,
  maintenanceAlertId,
  maintenanceAlerts,
  type MaintenanceAlert,
  type MaintenanceAlertLevel,
  type MaintenanceThresholds,
} from './maintenance.alerts';
export {
  DEFAULT_ERROR_RATE_THRESHOLDS,
  DEFAULT_ERROR_RATE_WINDOW_DAYS,
  errorEpisodes,
  errorRate,
  errorRateAlert,
  type DeviceErrorEvent,
  type ErrorRate,
  type ErrorRateInput,
  type ErrorRateThresholds,
  type StatusReport,
} from './error.rate';
export { deviceMaintenance, errorsFromHistory, type DeviceServiceState } from './maintenance.view';
