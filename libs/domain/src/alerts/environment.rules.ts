import { finish, openTrack } from './rule.outcome';
import { DEFAULT_RULE_CONFIG, ENVIRONMENT_PARAMETER_INFO } from './rules.config';
import {
  ENVIRONMENT_PARAMETERS,
  type EnvironmentLimitSet,
  type EnvironmentParameter,
  type RuleOutcome,
  type RuleTrack,
} from './rules.model';
import { runThresholds, type ThresholdReading } from './threshold.rules';

/**
 * One room sensor reading: `temp` in °C (°F converted), `humidity` in % relative humidity,
 * `pressure` in Pa relative to the corridor.
 */
export interface EnvironmentReading {
  parameter: EnvironmentParameter;
  value: number;
  unit: string;
  at: string;
}

export interface EnvironmentInput {
  roomId: string;
  readings: readonly EnvironmentReading[];
}

export interface EnvironmentRuleContext {
  /** The room's limits: `resolveLimits(DEFAULT_RULE_CONFIG.environment, overrides)`; the defaults when absent. */
  limits?: EnvironmentLimitSet;
}

/** The alert id of a room limit: `rule:env:or-1:humidity:high`. */
export function environmentAlertId(roomId: string, parameter: EnvironmentParameter, side: 'low' | 'high'): string {
  return `rule:env:${roomId}:${parameter}:${side}`;
}

/**
 * OR environment (kind `environment`): room temperature, relative humidity and pressure against
 * their limits (ANSI/ASHRAE/ASHE Standard 170: 20–24 °C, 20–60 % RH, ≥ +2.5 Pa), with the same sustain and
 * hysteresis as vitals and no phase awareness. Room-level: its keys carry the room id, so the
 * track may be the room's own or the active case's.
 */
export function evaluateEnvironment(
  state: RuleTrack | undefined,
  input: EnvironmentInput,
  ctx: EnvironmentRuleContext = {},
): RuleOutcome {
  const limits = ctx.limits ?? DEFAULT_RULE_CONFIG.environment;
  const next = openTrack(state);
  for (const parameter of ENVIRONMENT_PARAMETERS) {
    const list: ThresholdReading[] = input.readings.filter((r) => r.parameter === parameter);
    if (!list.length) continue;
    const p = {
      key: `env:${input.roomId}:${parameter}`,
      ruleId: `environment:${parameter}`,
      kind: 'environment' as const,
      parameter,
      info: ENVIRONMENT_PARAMETER_INFO[parameter],
      limits: limits[parameter],
      roomId: input.roomId,
    };
    runThresholds(next, p, list, () => undefined, []);
  }
  return finish(state, next, []);
}
