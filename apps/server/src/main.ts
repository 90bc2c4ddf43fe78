import { formatReadyLine } from '@circulator/contracts';
import { ConfigError, describeConfig, loadConfig } from './config/app-config';
import { preflight, StartupError } from './bootstrap/preflight';
import { startPlatform } from './platform';

/** `npm start`: validate, check every dependency, start; any failure is one line and exit 1. */
async function main(): Promise<void> {
  const say = (line: string) => process.stdout.write(`circulator: ${line}\n`);
  const config = loadConfig(process.env);
  const { redisUrl, privateRedis } = await preflight(config, say);
  const effective = { ...config, redis: { ...config.redis, url: redisUrl } };
  const platform = await startPlatform(effective);
  say(`settings ${JSON.stringify(describeConfig(effective))}`);
  say(formatReadyLine(platform.httpPort, platform.mllpPort, platform.mqttPort));
  // The ready line's format is a contract (scripts read it); say the scheme on a line of its own.
  if (effective.http.tls) say(`HTTPS only on port ${platform.httpPort}: https://localhost:${platform.httpPort}/`);
  const stop = () => {
    platform
      .close()
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
