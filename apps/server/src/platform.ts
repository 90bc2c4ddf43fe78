import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { MqttEdge } from '@circulator/devices';
import { ListenerStartError, MllpIngestService } from '@circulator/pipeline';
import { AppModule, type AppOverrides } from './app.module';
import type { AppConfig } from './config/app-config';
import { describeListenError } from './bootstrap/preflight';

export interface RunningPlatform {
  app: NestExpressApplication;
  httpPort: number;
  /** Undefined when this process does not run the ingest role. */
  mllpPort: number | undefined;
  /** The embedded MQTT broker's port; undefined without the ingest role or with an external broker. */
  mqttPort: number | undefined;
  close(): Promise<void>;
}

/**
 * The built web client: dist/apps/web, beside the compiled server (dist/apps/server/src) or, when
 * the server runs from source (tests), under the repository's dist/.
 */
function webRoot(): string | undefined {
  const compiled = __dirname.split(sep).includes('dist');
  const dir = compiled ? resolve(__dirname, '../../web') : resolve(__dirname, '../../../dist/apps/web');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/** Builds and starts the platform for a validated configuration (used by main and by tests). */
export async function startPlatform(config: AppConfig, overrides: AppOverrides = {}): Promise<RunningPlatform> {
  const tls =
    overrides.mllpTls ??
    (config.mllp.tlsCertFile && config.mllp.tlsKeyFile
      ? { cert: readFileSync(config.mllp.tlsCertFile), key: readFileSync(config.mllp.tlsKeyFile) }
      : undefined);
  const mqttTls =
    overrides.mqttTls ??
    (config.mqtt.tls
      ? {
          cert: readFileSync(config.mqtt.tls.certFile),
          key: readFileSync(config.mqtt.tls.keyFile),
          port: config.mqtt.tls.port,
        }
      : undefined);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { ...overrides, mllpTls: tls, mqttTls }),
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // HL7 files uploaded to the message console (POST /api/messages/upload): bytes as sent, up to
  // 16 MiB, so that MSH-18 (e.g. 8859/1) decides how they are read, not the HTTP layer.
  app.useBodyParser('raw', { type: ['text/plain', 'application/hl7-v2'], limit: '16mb' });
  app.set('trust proxy', 'loopback');

  if (config.roles.has('gateway')) {
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder().setTitle('Circulator API').setVersion('1').addBearerAuth().build(),
    );
    SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs/openapi.json' });
    const web = webRoot();
    if (web) {
      app.useStaticAssets(web, { index: 'index.html', maxAge: '1h' });
      // The web client routes on the client side: unknown non-API paths get its page.
      app.use((req: { method: string; path: string }, res: { sendFile(p: string): void }, next: () => void) => {
        if (req.method !== 'GET' || /^\/(api|fhir|health|socket\.io)(\/|$)/.test(req.path)) return next();
        res.sendFile(join(web, 'index.html'));
      });
    }
  }

  try {
    await app.listen(config.http.port, config.http.host);
  } catch (err) {
    await app.close().catch(() => undefined);
    if (err instanceof ListenerStartError) throw describeListenError(err, err.setting, err.port) ?? err;
    throw describeListenError(err, 'HTTP_PORT', config.http.port) ?? err;
  }
  const address = app.getHttpServer().address();
  const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
  const mllp = config.roles.has('ingest') ? app.get(MllpIngestService).port() : undefined;
  const mqtt = config.roles.has('ingest') ? app.get(MqttEdge).ports()?.port : undefined;
  return { app, httpPort, mllpPort: mllp, mqttPort: mqtt, close: () => app.close() };
}
