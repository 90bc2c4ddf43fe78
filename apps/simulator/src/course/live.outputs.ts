import { connectAsync, type MqttClient } from 'mqtt';
import type { CaseView, MilestoneKey, RoomView } from '@circulator/contracts';
import type { MllpClient } from '@circulator/hl7';
import { readAck } from '../day.player';
import { components, hl7Timestamp, SENDING_APPLICATION, SENDING_FACILITY } from '../siu.builder';
import type { CaseCourse } from './case.course';
import type { CourseOutputs } from './course.player';
import type { MonitorObservation } from './physiology';

export interface Account {
  username: string;
  password: string;
}

/** A signed-in REST client that signs in again when its access token has run out. */
export class ApiSession {
  private token?: string;

  constructor(
    private readonly url: string,
    private readonly account: Account,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.token ??= await this.signIn();
      const res = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (res.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    }
    throw new Error(`${method} ${path}: refused twice`);
  }

  private async signIn(): Promise<string> {
    const res = await fetch(`${this.url}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.account),
    });
    if (!res.ok) throw new Error(`cannot sign in as ${this.account.username} (HTTP ${res.status})`);
    return ((await res.json()) as { access_token: string }).access_token;
  }
}

/** ADT^A02 (HL7 v2.5.1): the patient of `course` is now at `location`. */
export function buildTransfer(course: CaseCourse, location: string, atIso: string, controlId: string): string {
  const c = course.case;
  const ts = hl7Timestamp(atIso);
  const pv1Class = c.patientClass;
  return [
    `MSH|^~\\&|${SENDING_APPLICATION}|${SENDING_FACILITY}|CIRCULATOR|OR|${ts}||ADT^A02^ADT_A02|${controlId}|P|2.5.1`,
    `EVN|A02|${ts}|||||${SENDING_FACILITY}`,
    `PID|1||${components(c.patient.mrn, '', '', SENDING_FACILITY, 'MR')}||${components(c.patient.family, c.patient.given)}||${c.patient.birthDate.replaceAll('-', '')}|${c.patient.sex}`,
    `PV1|1|${pv1Class}|${components(location, '', '', c.facility)}||||||||||||||||${components(c.visitNumber, '', '', SENDING_FACILITY, 'VN')}`,
  ].join('\r');
}

/**
 * The course player's outputs on a real platform: transfers over MLLP, the nurse's milestones and
 * checklist over REST, one monitor per room over MQTT (registered through the API at start).
 */
export class LiveOutputs implements CourseOutputs {
  private readonly caseIds = new Map<string, string>();
  private readonly monitors = new Map<string, { id: string; client: MqttClient }>();
  private sequence = 0;

  constructor(
    private readonly deps: {
      mllp: MllpClient;
      admin: ApiSession;
      nurse: ApiSession;
      mqttUrl: string;
      controlPrefix: string;
      log: (line: string) => void;
    },
  ) {}

  /** Registers (or re-keys) one monitor per room and connects it; rooms must exist by then. */
  async connectMonitors(roomCodes: readonly string[]): Promise<void> {
    const rooms = await this.deps.admin.request<RoomView[]>('GET', '/api/rooms');
    for (const code of roomCodes) {
      const room = rooms.body.find((r) => r.locations.some((l) => l.split('^')[0] === code) || r.name === code);
      if (!room) {
        this.deps.log(`no room for ${code} yet: its monitor stays off`);
        continue;
      }
      const id = `sim-monitor-${code.toLowerCase()}`;
      let reg = await this.deps.admin.request<{ mqttPassword: string }>('POST', '/api/devices', {
        id,
        type: 'monitor',
        roomId: room.id,
        vendor: 'Circulator Sim',
        model: 'Vital 7',
      });
      // Known from an earlier run: new credentials (the old ones stop).
      if (reg.status === 409) reg = await this.deps.admin.request('POST', `/api/devices/${id}/credentials`);
      if (reg.status >= 300) throw new Error(`cannot register ${id} (HTTP ${reg.status})`);
      const client = await connectAsync(this.deps.mqttUrl, {
        username: id,
        password: reg.body.mqttPassword,
        reconnectPeriod: 2_000,
      });
      client.on('error', (err) => this.deps.log(`${id}: ${err.message}`));
      this.monitors.set(code, { id, client });
    }
  }

  async transfer(course: CaseCourse, location: string, at: number): Promise<void> {
    const controlId = `${this.deps.controlPrefix}T${++this.sequence}`;
    const text = buildTransfer(course, location, new Date(at).toISOString(), controlId);
    const ack = readAck(await this.deps.mllp.send(text));
    if (ack.code !== 'AA' && ack.code !== 'CA') throw new Error(`A02 ${controlId}: ${ack.code} ${ack.text ?? ''}`);
  }

  async milestone(course: CaseCourse, key: MilestoneKey, at: number): Promise<void> {
    const id = await this.caseId(course);
    const res = await this.deps.nurse.request('POST', `/api/cases/${id}/milestones`, {
      milestone: key,
      at: new Date(at).toISOString(),
    });
    if (res.status >= 300) throw new Error(`milestone ${key}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }

  async checklist(course: CaseCourse, phase: 'signIn' | 'timeOut' | 'signOut', at: number): Promise<void> {
    const id = await this.caseId(course);
    const res = await this.deps.nurse.request('POST', `/api/cases/${id}/checklist`, {
      phase,
      at: new Date(at).toISOString(),
    });
    if (res.status >= 300) throw new Error(`checklist ${phase}: HTTP ${res.status}`);
  }

  async readings(roomCode: string, observations: MonitorObservation[], at: number): Promise<void> {
    const monitor = this.monitors.get(roomCode);
    if (!monitor?.client.connected) return;
    await monitor.client.publishAsync(
      `circulator/v1/devices/${monitor.id}/observations`,
      JSON.stringify({ at: new Date(at).toISOString(), observations }),
      { qos: 1 },
    );
  }

  log(line: string): void {
    this.deps.log(line);
  }

  async close(): Promise<void> {
    await Promise.all([...this.monitors.values()].map((m) => m.client.endAsync()));
  }

  /** The platform's id of a planned case, by its placer appointment id (the day's cases, cached). */
  private async caseId(course: CaseCourse): Promise<string> {
    const placer = course.case.placerId;
    const known = this.caseIds.get(placer);
    if (known) return known;
    const date = course.case.start.slice(0, 10);
    const res = await this.deps.nurse.request<CaseView[]>('GET', `/api/cases?date=${date}`);
    for (const c of res.body ?? []) {
      if (c.identifiers.placerAppointmentId) this.caseIds.set(c.identifiers.placerAppointmentId, c.id);
    }
    const id = this.caseIds.get(placer);
    if (!id) throw new Error(`case ${placer} is not on the platform's ${date} board`);
    return id;
  }
}
