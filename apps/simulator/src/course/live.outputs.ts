import { connectAsync, type MqttClient } from 'mqtt';
import type { CaseView, MilestoneKey, RoomView } from '@circulator/contracts';
import type { MllpClient } from '@circulator/hl7';
import { readAck } from '../day.player';
import { components, hl7Timestamp, SENDING_APPLICATION, SENDING_FACILITY } from '../siu.builder';
import type { CaseCourse } from './case.course';
import type { CourseOutputs, StayTrigger } from './course.player';
import {
  DEVICE_MODEL,
  DEVICE_TYPE,
  deviceId,
  devicePublish,
  ROOM_DEVICE_ROLES,
  tagId,
  type DeviceMessage,
  type RoomDeviceRole,
} from './devices';
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

/** ADT (HL7 v2.5.1) about the patient of `course`: A02 to `location`, or A01/A03/A04/A08 at `location`. */
export function buildAdt(
  course: CaseCourse,
  trigger: 'A02' | StayTrigger,
  location: string,
  atIso: string,
  controlId: string,
): string {
  const c = course.case;
  const ts = hl7Timestamp(atIso);
  // ADT_A01 is the structure of A01, A04 and A08; A02 and A03 have their own.
  const structure = trigger === 'A04' || trigger === 'A08' ? 'ADT_A01' : `ADT_${trigger}`;
  return [
    `MSH|^~\\&|${SENDING_APPLICATION}|${SENDING_FACILITY}|CIRCULATOR|OR|${ts}||ADT^${trigger}^${structure}|${controlId}|P|2.5.1`,
    `EVN|${trigger}|${ts}|||||${SENDING_FACILITY}`,
    `PID|1||${components(c.patient.mrn, '', '', SENDING_FACILITY, 'MR')}||${components(c.patient.family, c.patient.given)}||${c.patient.birthDate.replaceAll('-', '')}|${c.patient.sex}`,
    `PV1|1|${c.patientClass}|${components(location, '', '', c.facility)}||||||||||||||||${components(c.visitNumber, '', '', SENDING_FACILITY, 'VN')}`,
  ].join('\r');
}

/** ADT^A02 (HL7 v2.5.1): the patient of `course` is now at `location`. */
export function buildTransfer(course: CaseCourse, location: string, atIso: string, controlId: string): string {
  return buildAdt(course, 'A02', location, atIso, controlId);
}

/** Where the patient is for each stay event: the pre-op holding area, or PACU on discharge home. */
const STAY_LOCATION: Readonly<Record<StayTrigger, string>> = { A01: 'WARD4', A04: 'PREOP', A08: 'PREOP', A03: 'PACU' };

interface ConnectedDevice {
  id: string;
  client: MqttClient;
}

/**
 * The course player's outputs on a real platform: ADT over MLLP, the nurse's milestones and
 * checklist over REST, and the devices over MQTT — per room a monitor, an anaesthesia machine, an
 * infusion pump, an environment sensor and an instrument counter, per patient an RTLS tag — each
 * registered through the API at start with its own credentials.
 */
export class LiveOutputs implements CourseOutputs {
  private readonly caseIds = new Map<string, string>();
  private readonly devices = new Map<string, ConnectedDevice>();
  /** Room code → the platform's room id. */
  private readonly roomIds = new Map<string, string>();
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

  /**
   * Waits until the platform shows every course's case (an ACK means the booking is stored, not
   * yet applied): polls the day's board until all are there, or `timeoutMs` passes (then logs
   * which are missing and goes on). Returns how many are missing.
   */
  async awaitCases(courses: readonly CaseCourse[], timeoutMs = 30_000, pollMs = 250): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const dates = [...new Set(courses.map((c) => c.case.start.slice(0, 10)))];
    for (;;) {
      for (const date of dates) await this.loadBoard(date);
      const missing = courses.filter((c) => !this.caseIds.has(c.case.placerId));
      if (missing.length === 0) return 0;
      if (Date.now() >= deadline) {
        this.deps.log(
          `not on the platform's board after ${timeoutMs} ms: ${missing.map((c) => c.case.placerId).join(', ')}`,
        );
        return missing.length;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Registers (or re-keys) one monitor per room and connects it; rooms must exist by then. */
  async connectMonitors(roomCodes: readonly string[]): Promise<void> {
    await this.connectDevices(roomCodes, [], ['monitor']);
  }

  /**
   * Registers (or re-keys) the devices of each room and the RTLS tag of each course's patient
   * (bound to the patient's MRN), and connects them; rooms must exist by then.
   */
  async connectDevices(
    roomCodes: readonly string[],
    courses: readonly CaseCourse[],
    roles: readonly RoomDeviceRole[] = ROOM_DEVICE_ROLES,
  ): Promise<void> {
    // Signed in by this first request, so the registrations below share one token.
    const rooms = await this.deps.admin.request<RoomView[]>('GET', '/api/rooms');
    const tasks: (() => Promise<void>)[] = [];
    for (const code of roomCodes) {
      const room = rooms.body.find((r) => r.locations.some((l) => l.split('^')[0] === code) || r.name === code);
      if (!room) {
        this.deps.log(`no room for ${code} yet: its devices stay off`);
        continue;
      }
      this.roomIds.set(code, room.id);
      for (const role of roles) {
        tasks.push(() =>
          this.connect(deviceId(role, code), {
            type: DEVICE_TYPE[role],
            roomId: room.id,
            vendor: 'Circulator Sim',
            model: DEVICE_MODEL[role].model,
            ...(role === 'counter' ? { serviceIntervalUses: 2_500 } : {}),
          }),
        );
      }
    }
    for (const course of courses) {
      const { mrn } = course.case.patient;
      // A tag speaks only when it moves: no heartbeat to miss.
      tasks.push(() =>
        this.connect(tagId(course), {
          type: 'rtls-tag',
          vendor: 'Circulator Sim',
          model: 'Locus T1',
          heartbeatSeconds: 86_400,
          binding: { kind: 'patient', mrn, assigningAuthority: SENDING_FACILITY },
        }),
      );
    }
    // A few at a time: registering hashes a secret, and the day should start within seconds.
    let next = 0;
    const worker = async () => {
      while (next < tasks.length) await (tasks[next++] as () => Promise<void>)();
    };
    await Promise.all(Array.from({ length: Math.min(6, tasks.length) }, worker));
  }

  private async connect(id: string, registration: Record<string, unknown>): Promise<void> {
    if (this.devices.has(id)) return;
    let reg = await this.deps.admin.request<{ mqttPassword: string }>('POST', '/api/devices', { id, ...registration });
    // Known from an earlier run: new credentials (the old ones stop).
    if (reg.status === 409) reg = await this.deps.admin.request('POST', `/api/devices/${id}/credentials`);
    if (reg.status >= 300) throw new Error(`cannot register ${id} (HTTP ${reg.status} ${JSON.stringify(reg.body)})`);
    const client = await connectAsync(this.deps.mqttUrl, {
      username: id,
      password: reg.body.mqttPassword,
      reconnectPeriod: 2_000,
    });
    client.on('error', (err) => this.deps.log(`${id}: ${err.message}`));
    this.devices.set(id, { id, client });
  }

  async transfer(course: CaseCourse, location: string, at: number): Promise<void> {
    await this.sendAdt(course, 'A02', location, at);
  }

  async stay(course: CaseCourse, trigger: StayTrigger, at: number): Promise<void> {
    await this.sendAdt(course, trigger, STAY_LOCATION[trigger], at);
  }

  private async sendAdt(course: CaseCourse, trigger: 'A02' | StayTrigger, location: string, at: number): Promise<void> {
    const controlId = `${this.deps.controlPrefix}T${++this.sequence}`;
    const text = buildAdt(course, trigger, location, new Date(at).toISOString(), controlId);
    const ack = readAck(await this.deps.mllp.send(text));
    if (ack.code !== 'AA' && ack.code !== 'CA')
      throw new Error(`${trigger} ${controlId}: ${ack.code} ${ack.text ?? ''}`);
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
    await this.device({ role: 'monitor', room: roomCode, kind: 'observations', at, observations });
  }

  async device(message: DeviceMessage): Promise<void> {
    const device = this.devices.get(deviceId(message.role, message.room));
    if (!device?.client.connected) return;
    const publish = devicePublish(message, this.roomIds.get(message.room));
    if (publish === undefined) return;
    await device.client.publishAsync(publish.topic, publish.payload, { qos: 1 });
  }

  async rtls(course: CaseCourse, location: string, at: number): Promise<void> {
    const tag = this.devices.get(tagId(course));
    if (!tag?.client.connected) return;
    // PACU is no OR: the tag reports the zone's own name.
    const roomId = this.roomIds.get(location) ?? location;
    await tag.client.publishAsync(
      `circulator/v1/rtls/${tag.id}`,
      JSON.stringify({ roomId, at: new Date(at).toISOString() }),
      { qos: 1 },
    );
  }

  log(line: string): void {
    this.deps.log(line);
  }

  async close(): Promise<void> {
    await Promise.all([...this.devices.values()].map((d) => d.client.endAsync()));
  }

  /** The platform's id of a planned case, by its placer appointment id (the day's cases, cached). */
  private async caseId(course: CaseCourse): Promise<string> {
    const placer = course.case.placerId;
    const known = this.caseIds.get(placer);
    if (known) return known;
    const date = course.case.start.slice(0, 10);
    await this.loadBoard(date);
    const id = this.caseIds.get(placer);
    if (!id) throw new Error(`case ${placer} is not on the platform's ${date} board`);
    return id;
  }

  private async loadBoard(date: string): Promise<void> {
    const res = await this.deps.nurse.request<CaseView[]>('GET', `/api/cases?date=${date}`);
    for (const c of Array.isArray(res.body) ? res.body : []) {
      if (c.identifiers.placerAppointmentId) this.caseIds.set(c.identifiers.placerAppointmentId, c.id);
    }
  }
}
