import { formatReadyLine } from '@circulator/contracts';
import { ConfigError, describeConfig, loadConfig } from './config/app-config';
import { preflight, StartupError } from './bootstrap/preflight';
import { PlatformMetrics } from './metrics/platform.metrics';
import { startPlatform } from './platform';
import { startWorkerThread, workerThreadEnv, type WorkerThread } from './worker.thread';

/** `npm start`: validate, check every dependency, start; any failure is one line and exit 1. */
async function main(): Promise<void> {
  const say = (line: string) => process.stdout.write(`circulator: ${line}\n`);
  const config = loadConfig(process.env);
  const { redisUrl, privateRedis } = await preflight(config, say);
  const effective = { ...config, redis: { ...config.redis, url: redisUrl } };
  // WORKER_THREAD=on: this thread runs the other roles; the worker role gets a thread of its own.
  const here = config.workerThread
    ? { ...effective, roles: new Set([...effective.roles].filter((r) => r !== 'worker')) }
    : effective;
  const platform = await startPlatform(here);
  let worker: WorkerThread | undefined;
  if (config.workerThread) {
    try {
      worker = await startWorkerThread(
        workerThreadEnv(process.env, redisUrl),
        platform.app.get(PlatformMetrics, { strict: false }),
        (reason) => {
          // Nothing is lost (the inbox and the queue hold every message): end, to be restarted whole.
          process.stderr.write(`circulator: ${reason}; stopping\n`);
          void platform.close().finally(() => {
            privateRedis?.stop();
            process.exit(1);
          });
        },
      );
    } catch (err) {
      await platform.close().catch(() => undefined);
      throw err;
    }
  }
  say(`settings ${JSON.stringify(describeConfig(effective))}`);
  say(formatReadyLine(platform.httpPort, platform.mllpPort, platform.mqttPort));
  // The ready line's format is a contract (scripts read it); say the scheme on a line of its own.
  if (effective.http.tls) say(`HTTPS only on port ${platform.httpPort}: https://localhost:${platform.httpPort}/`);
  const stop = () => {
    (worker?.stop() ?? Promise.resolve())
      .then(() => platform.close())
      .catch((err: unknown) => process.stderr.write(`circulator: error while stopping: ${String(err)}\n`))
      .finally(() => {
        privateRedis?.stop();
        process.exit(0);
      });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof StartupError) {
    process.stderr.write(`circulator: cannot start: ${err.message}\n`);
  } else {
    process.stderr.write(
      `circulator: cannot start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
});
