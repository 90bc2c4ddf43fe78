#!/usr/bin/env node
// `npm run demo`: the platform (as `npm start`) plus the simulator playing a realistic OR day
// into it over MLLP; prints the URL and the demo logins, and keeps running until Ctrl-C.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A port free now on 127.0.0.1 (the simulator's FHIR server takes it a few seconds later). */
async function freePort() {
  const probe = createServer();
  await new Promise((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// The simulator plays the EHR's FHIR side too (DEMO_FHIR=off: not): the platform's FHIR_BASE_URL is
// the simulator's FHIR server, and its subscription hook takes the simulator's notifications.
const fhir = process.env.DEMO_FHIR !== 'off';
const fhirPort = fhir ? (process.env.DEMO_FHIR_PORT ?? String(await freePort())) : undefined;
const fhirEnv = fhir
  ? {
      FHIR_BASE_URL: `http://127.0.0.1:${fhirPort}/fhir`,
      FHIR_HOOK_SECRET: process.env.FHIR_HOOK_SECRET ?? randomBytes(18).toString('base64url'),
      // The simulator asks for one sync once its cases are in (POST /api/fhir/sync): a sync at the
      // platform's start would find its server not up yet.
      FHIR_SYNC_INTERVAL_SECONDS: process.env.FHIR_SYNC_INTERVAL_SECONDS ?? '0',
    }
  : {};
const env = {
  ...process.env,
  HTTP_PORT: process.env.HTTP_PORT ?? '3000',
  MLLP_PORT: process.env.MLLP_PORT ?? '2575',
  DATA_DIR: process.env.DATA_DIR ?? join(root, 'data', 'demo'),
  ADMIN_PASSWORD: process.env.ADMIN_PASSWORD ?? 'circulator-demo',
  MQTT_PORT: process.env.MQTT_PORT ?? '1884',
  // The simulated day makes a request every few seconds: a log line each would bury the URL and
  // the logins. Warnings and errors still show; LOG_LEVEL=info brings the rest back.
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  ...fhirEnv,
};
const base = `http://localhost:${env.HTTP_PORT}`;
const say = (line) => process.stdout.write(`demo: ${line}\n`);
const DEMO_USERS = [
  { username: 'scheduler', password: 'tulip-desk-demo', displayName: 'Sam Scheduler', roles: ['scheduler'] },
  { username: 'nurse', password: 'sterile-field-demo', displayName: 'Nora Nurse', roles: ['nurse'] },
];

build();
const server = spawn(process.execPath, [join(root, 'dist/apps/server/src/main.js')], {
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});
// The simulator, once started: stopped with the platform (a SIGTERM to this script alone reaches
// neither child otherwise; Ctrl-C reaches the whole process group anyway).
let sim;
const stop = () => {
  sim?.kill('SIGTERM');
  server.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => process.exit(code ?? 0));

async function ready() {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) return false;
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function api(path, token, body) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

if (!(await ready())) {
  say('the platform did not become ready; see the lines above');
  stop();
} else {
  const tokenRes = await api('/api/auth/token', undefined, { username: 'admin', password: env.ADMIN_PASSWORD });
  const { access_token: token } = await tokenRes.json();
  for (const user of DEMO_USERS) {
    const res = await api('/api/users', token, user);
    if (res.status !== 201 && res.status !== 409) say(`could not create ${user.username}: HTTP ${res.status}`);
  }
  say(`open ${base}/`);
  say(`logins: admin / ${env.ADMIN_PASSWORD}, ${DEMO_USERS.map((u) => `${u.username} / ${u.password}`).join(', ')}`);
  say(`HL7 MLLP on port ${env.MLLP_PORT}; API docs at ${base}/api/docs`);
  if (fhir) say(`the simulated EHR's FHIR R4 server: ${env.FHIR_BASE_URL} (FHIR_BASE_URL)`);
  const seed = String(Math.floor(Date.now() / 1000) % 100000);
  // The day is set so that each room is in its first or second case now: the wall displays show
  // a case under way, with live vitals, from the first minute (the schedule itself plays at
  // DEMO_SPEED; the course of the cases, their milestones and monitors, in real time).
  const first = new Date(Date.now() - 100 * 60_000);
  const startOfDay = new Date();
  startOfDay.setHours(0, 0, 0, 0);
  const firstCase = first < startOfDay ? startOfDay : first;
  const hhmm = `${String(firstCase.getHours()).padStart(2, '0')}:${String(Math.floor(firstCase.getMinutes() / 5) * 5).padStart(2, '0')}`;
  const nurse = DEMO_USERS.find((u) => u.username === 'nurse');
  // DEMO_DRILL=device-outage,interface-stop (or `npm run demo -- --drill …`) runs drill scenarios;
  // DEMO_COURSE_SPEED=60 replays the day from its first event at 60x until it meets the present.
  const argv = process.argv.slice(2);
  const flag = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const drill = flag('drill') ?? process.env.DEMO_DRILL;
  const courseSpeed = flag('course-speed') ?? process.env.DEMO_COURSE_SPEED;
  sim = spawn(
    process.execPath,
    [
      join(root, 'dist/apps/simulator/src/main.js'),
      '--mllp',
      `127.0.0.1:${env.MLLP_PORT}`,
      '--rooms',
      '3',
      '--seed',
      seed,
      '--speed',
      process.env.DEMO_SPEED ?? '60',
      '--first-case',
      hhmm,
      '--live',
      '--api',
      base,
      '--mqtt',
      `mqtt://127.0.0.1:${env.MQTT_PORT}`,
      '--user',
      'admin',
      '--password',
      env.ADMIN_PASSWORD,
      '--nurse-user',
      nurse.username,
      '--nurse-password',
      nurse.password,
      ...(drill ? ['--drill', drill] : []),
      ...(courseSpeed ? ['--course-speed', courseSpeed] : []),
      ...(fhir ? ['--fhir', '--fhir-port', fhirPort] : []),
    ],
    // The hook secret goes in the environment, not on a command line that `ps` shows.
    { stdio: 'inherit', env: fhir ? { ...process.env, FHIR_HOOK_SECRET: env.FHIR_HOOK_SECRET } : process.env },
  );
  sim.on('exit', (code) =>
    say(
      code === 0
        ? "the simulated day has been played to its last case's end; the platform keeps running (Ctrl-C stops it)"
        : `simulator exited with ${code}`,
    ),
  );
}
