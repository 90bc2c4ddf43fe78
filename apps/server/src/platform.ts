import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { join, resolve, sep } from 'node:path';
import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { MqttEdge } from '@circulator/devices';
import { ListenerStartError, MllpIngestService } from '@circulator/pipeline';
import { AppModule, type AppOverrides } from './app.module';
import type { AppConfig } from './config/app-config';
import { describeListenError } from './bootstrap/preflight';
import { corsOptions } from './http/cors.options';
import { securityHeaders } from './http/security-headers';
import { readTlsFiles, type TlsFiles } from './http/tls-files';

/**
 * The most JSON one request may carry. Every JSON body of the API is small (the largest, a
 * reprocess of 1,000 message ids, is ~20 kB); HL7 files have their own parser and limit.
 */
export const JSON_BODY_LIMIT = '1mb';

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

/**
 * HTTPS server options: TLS 1.2 or later whatever Node's command line says (Node's own default
 * is the same, but `--tls-min-v1.0` would lower it), Node's cipher list otherwise.
 */
function httpsOptions(files: TlsFiles): HttpsOptions {
  const options: Pick<ServerOptions, 'cert' | 'key' | 'minVersion'> = {
    cert: files.cert,
    key: files.key,
    minVersion: 'TLSv1.2',
  };
  return options;
}

/** Builds and starts the platform for a validated configuration (used by main and by tests). */
export async function startPlatform(config: AppConfig, overrides: AppOverrides = {}): Promise<RunningPlatform> {
  // Certificates are read and checked before anything starts: a bad file is one line (CONTRACT §1).
  const httpTls = config.http.tls
    ? readTlsFiles({ cert: 'HTTP_TLS_CERT', key: 'HTTP_TLS_KEY' }, config.http.tls)
    : undefined;
  const tls =
    overrides.mllpTls ??
    (config.mllp.tlsCertFile && config.mllp.tlsKeyFile
      ? readTlsFiles(
          { cert: 'MLLP_TLS_CERT', key: 'MLLP_TLS_KEY' },
          { certFile: config.mllp.tlsCertFile, keyFile: config.mllp.tlsKeyFile },
        )
      : undefined);
  const mqttTls =
    overrides.mqttTls ??
    (config.mqtt.tls
      ? { ...readTlsFiles({ cert: 'MQTT_TLS_CERT', key: 'MQTT_TLS_KEY' }, config.mqtt.tls), port: config.mqtt.tls.port }
      : undefined);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { ...overrides, mllpTls: tls, mqttTls }),
    {
      bufferLogs: true,
      abortOnError: false,
      // HTTPS on HTTP_PORT: socket.io shares the server, so the displays get wss:// with it.
      ...(httpTls ? { httpsOptions: httpsOptions(httpTls) } : {}),
    },
  );
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // Whose X-Forwarded-For names the client (HTTP_TRUST_PROXY): the rate limits and the audit log
  // read the client's address from it.
  app.set('trust proxy', [...config.http.trustProxy]);
  // First, so that every answer carries them, errors and static files included.
  app.use(securityHeaders({ tls: httpTls !== undefined }));
  app.enableCors(corsOptions(config.http.corsOrigins));
  // Bigger JSON bodies are refused with 413 (problem JSON, through ProblemDetailsFilter).
  // FHIR clients send application/fhir+json (R4 §3.1.0.1.6), e.g. to the subscription hook.
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  // HL7 files uploaded to the message console (POST /api/messages/upload): bytes as sent, up to
  // 16 MiB, so that MSH-18 (e.g. 8859/1) decides how they are read, not the HTTP layer.
  app.useBodyParser('raw', { type: ['text/plain', 'application/hl7-v2'], limit: '16mb' });

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
        if (req.method !== 'GET' || /^\/(api|fhir|health|metrics|socket\.io)(\/|$)/.test(req.path)) return next();
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
