import { ucumDisplay, type AlertPriority, type VitalName } from '@circulator/contracts';
import type {
  EnvironmentLimitSet,
  EnvironmentParameter,
  ExpectedChanges,
  LimitOverride,
  LimitOverrides,
  Limits,
  VitalLimitSet,
} from './rules.model';

/**
 * The rules' configuration. Defaults (documented with their sources in docs/alert-rules.md) are
 * adult general-anaesthesia values; a case overrides its vital limits with `resolveLimits`.
 */
export interface RuleConfig {
  vitals: VitalLimitSet;
  /** Changes each phase makes expected: annotated instead of alarmed (critical limits still alarm). */
  expected: ExpectedChanges;
  /** Room temperature, relative humidity and pressure (ANSI/ASHRAE/ASHE Standard 170, operating rooms). */
  environment: EnvironmentLimitSet;
  /** The induction phase ends at procedure start or this long after induction, whichever is first. */
  inductionMinutes: number;
  stale: { priority: AlertPriority };
  device: {
    /** How long a device must have been offline (by its `since`) before the alert is raised. */
    sustainSeconds: number;
    priority: AlertPriority;
  };
  equipment: {
    /** Cases starting further ahead than this are not checked yet. */
    horizonHours: number;
    maintenancePriority: AlertPriority;
    conflictPriority: AlertPriority;
  };
}

/** How a parameter is named and measured, and the units a reading of it may come in. */
export interface ParameterInfo {
  /** Short name in messages, e.g. `SpO2`. */
  label: string;
  /** The unit the limits are expressed in (the display unit of CONTRACT §3). */
  unit: string;
  /** The unit as messages show it (`bpm` for `/min` heart rate). */
  display: string;
  /** Accepted reading units (after UCUM display normalisation) and their conversion to `unit`. */
  units: Readonly<Record<string, (value: number) => number>>;
}

const same = (v: number): number => v;
const fromKpa = (v: number): number => v * 7.50062;
const fromFahrenheit = (v: number): number => ((v - 32) * 5) / 9;

const PER_MINUTE = { '/min': same, bpm: same, '1/min': same };
const PRESSURE = { mmHg: same, kPa: fromKpa };
const CELSIUS = { '°C': same, '°F': fromFahrenheit };

export const VITAL_PARAMETERS: Readonly<Record<VitalName, ParameterInfo>> = {
  hr: { label: 'HR', unit: '/min', display: 'bpm', units: PER_MINUTE },
  spo2: { label: 'SpO2', unit: '%', display: '%', units: { '%': same } },
  nibpSys: { label: 'NIBP sys', unit: 'mmHg', display: 'mmHg', units: PRESSURE },
  nibpDia: { label: 'NIBP dia', unit: 'mmHg', display: 'mmHg', units: PRESSURE },
  etco2: { label: 'EtCO2', unit: 'mmHg', display: 'mmHg', units: PRESSURE },
  temp: { label: 'Temp', unit: '°C', display: '°C', units: CELSIUS },
  rr: { label: 'RR', unit: '/min', display: '/min', units: { ...PER_MINUTE, rpm: same } },
  bis: { label: 'BIS', unit: '', display: '', units: { '': same, index: same, '{index}': same } },
};

export const ENVIRONMENT_PARAMETER_INFO: Readonly<Record<EnvironmentParameter, ParameterInfo>> = {
  temp: { label: 'Room temperature', unit: '°C', display: '°C', units: CELSIUS },
  humidity: { label: 'Room humidity', unit: '%', display: '%', units: { '%': same, '%RH': same, '%rh': same } },
  pressure: { label: 'Room pressure', unit: 'Pa', display: 'Pa', units: { Pa: same } },
};

/**
 * A reading's value in the parameter's unit; `undefined` when its unit is not one the parameter
 * accepts (a rule never compares a value in an unknown unit with a limit).
 */
export function inParameterUnit(info: ParameterInfo, value: number, unit: string): number | undefined {
  const convert = info.units[ucumDisplay(unit.trim())];
  if (!convert || !Number.isFinite(value)) return undefined;
  return convert(value);
}

/** Limits with no critical levels (environment, advisory vitals). */
function limits(low: number | undefined, high: number | undefined, rest: Omit<Limits, 'low' | 'high'>): Limits {
  const out: Limits = { ...rest };
  if (low !== undefined) out.low = low;
  if (high !== undefined) out.high = high;
  return out;
}

const VITAL = { clearSeconds: 0, priority: 'medium', criticalPriority: 'high' } as const;

/** The built-in configuration (adult). Frozen: copy it to change it. */
export const DEFAULT_RULE_CONFIG: Readonly<RuleConfig> = deepFreeze({
  vitals: {
    hr: {
      ...VITAL,
      low: 50,
      high: 120,
      criticalLow: 40,
      criticalHigh: 140,
      hysteresis: 3,
      sustainSeconds: 10,
      staleSeconds: 60,
    },
    spo2: { ...VITAL, low: 90, criticalLow: 85, hysteresis: 1, sustainSeconds: 15, staleSeconds: 60 },
    nibpSys: {
      ...VITAL,
      low: 90,
      high: 160,
      criticalLow: 70,
      criticalHigh: 200,
      hysteresis: 5,
      sustainSeconds: 0,
      staleSeconds: 900,
    },
    nibpDia: {
      ...VITAL,
      low: 50,
      high: 100,
      criticalLow: 40,
      criticalHigh: 120,
      hysteresis: 5,
      sustainSeconds: 0,
      staleSeconds: 900,
    },
    etco2: { ...VITAL, low: 30, high: 50, criticalHigh: 60, hysteresis: 2, sustainSeconds: 20, staleSeconds: 60 },
    temp: {
      ...VITAL,
      low: 36,
      high: 38.5,
      criticalLow: 35,
      criticalHigh: 39.5,
      hysteresis: 0.2,
      sustainSeconds: 60,
      staleSeconds: 1800,
    },
    rr: limits(8, 30, { ...VITAL, hysteresis: 2, sustainSeconds: 20, staleSeconds: 60 }),
    bis: limits(40, 60, { ...VITAL, hysteresis: 3, sustainSeconds: 30, staleSeconds: 120 }),
  },
  expected: {
    // Awake patient: BIS near 95, EtCO2 from a face mask low or intermittent.
    'pre-induction': ['bis:high', 'etco2:low', 'etco2:stale'],
    // Induction agents lower HR and BP, laryngoscopy raises them; apnoea until the airway is secured;
    // BIS falls through the 40–60 band.
    induction: [
      'hr:low',
      'hr:high',
      'nibpSys:low',
      'nibpSys:high',
      'nibpDia:low',
      'nibpDia:high',
      'etco2:low',
      'etco2:high',
      'etco2:stale',
      'rr:low',
      'rr:high',
      'rr:stale',
      'bis:low',
      'bis:high',
    ],
    // Lightening anaesthesia raises HR, BP and BIS; spontaneous breathing returns with a high EtCO2;
    // extubation ends the capnogram.
    emergence: [
      'hr:high',
      'nibpSys:high',
      'nibpDia:high',
      'etco2:low',
      'etco2:high',
      'etco2:stale',
      'rr:low',
      'rr:high',
      'rr:stale',
      'bis:high',
      'bis:stale',
    ],
  },
  environment: {
    temp: limits(20, 24, {
      hysteresis: 0.5,
      sustainSeconds: 300,
      clearSeconds: 0,
      staleSeconds: 1800,
      priority: 'low',
      criticalPriority: 'medium',
    }),
    humidity: limits(20, 60, {
      hysteresis: 3,
      sustainSeconds: 300,
      clearSeconds: 0,
      staleSeconds: 1800,
      priority: 'low',
      criticalPriority: 'medium',
    }),
    // Positive to the corridor by at least 2.5 Pa (0.01 in. w.c.), so that air flows out of the
    // sterile field; a door held open drops it, hence the same five minutes.
    pressure: limits(2.5, undefined, {
      hysteresis: 0.5,
      sustainSeconds: 300,
      clearSeconds: 0,
      staleSeconds: 1800,
      priority: 'low',
      criticalPriority: 'medium',
    }),
  },
  inductionMinutes: 15,
  stale: { priority: 'low' },
  device: { sustainSeconds: 30, priority: 'medium' },
  equipment: { horizonHours: 24, maintenancePriority: 'low', conflictPriority: 'low' },
});

const OPTIONAL_LIMITS = ['low', 'high', 'criticalLow', 'criticalHigh'] as const;
const DURATIONS = ['hysteresis', 'sustainSeconds', 'clearSeconds', 'staleSeconds'] as const;
const PRIORITIES = ['priority', 'criticalPriority'] as const;
const PRIORITY_VALUES: readonly unknown[] = ['high', 'medium', 'low'];

/**
 * The limits in force: `defaults` with each parameter's override applied field by field. `null`
 * turns an optional limit (`low`, `high`, `criticalLow`, `criticalHigh`) off; a value that is not
 * a finite number (or a negative margin or duration, or an unknown priority) is ignored, as are
 * parameters and fields the defaults do not have. The defaults are not changed.
 *
 * @example resolveLimits(DEFAULT_RULE_CONFIG.vitals, { spo2: { low: 88 }, etco2: { high: null } })
 */
export function resolveLimits<K extends string>(
  defaults: Readonly<Record<K, Limits>>,
  overrides?: LimitOverrides<K> | null,
): Record<K, Limits> {
  const out = {} as Record<K, Limits>;
  for (const key of Object.keys(defaults) as K[]) {
    const base: Limits = { ...defaults[key] };
    const override: LimitOverride | undefined =
      overrides && Object.prototype.hasOwnProperty.call(overrides, key) ? (overrides[key] ?? undefined) : undefined;
    if (override) applyOverride(base, override);
    out[key] = base;
  }
  return out;
}

function applyOverride(target: Limits, override: LimitOverride): void {
  for (const field of OPTIONAL_LIMITS) {
    const value = override[field];
    if (value === null) delete target[field];
    else if (typeof value === 'number' && Number.isFinite(value)) target[field] = value;
  }
  for (const field of DURATIONS) {
    const value = override[field];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) target[field] = value;
  }
  for (const field of PRIORITIES) {
    const value = override[field];
    if (PRIORITY_VALUES.includes(value)) target[field] = value as AlertPriority;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
