/** One message a device published, as the MQTT edge hands it on (topic checked, payload not yet). */
export interface FeedPublish {
  /** The registered device that published it (embedded broker), or the device its topic names (external broker). */
  deviceId: string;
  topic: string;
  payload: Buffer;
  /** The publisher's address (embedded broker), for the log and the anomaly rules. */
  address: string | null;
  receivedAt: Date;
}

/**
 * Where the MQTT edge hands messages: resolves once the message is durably stored (the edge then
 * acknowledges it to the device), rejects when it could not be (the edge then drops the connection
 * without a PUBACK, so a QoS 1 publisher sends it again).
 */
export interface FeedSink {
  accept(message: FeedPublish): Promise<void>;
}

export const FEED_SINK = Symbol('FEED_SINK');

/** Settings of the MQTT edge (CONTRACT §1: `MQTT_URL`, `MQTT_PORT`; issue 5: TLS). */
export interface MqttSettings {
  /** An external broker (`mqtt://user:password@host:port`); unset runs the embedded broker. */
  url?: string;
  /** Port of the embedded broker (0: any free port). */
  port: number;
  host?: string;
  /** MQTT over TLS on the embedded broker, when a certificate and key are given. */
  tls?: { cert: Buffer; key: Buffer; port: number };
  /** Shared-subscription group of the platform's consumers on an external broker. */
  shareGroup?: string;
}

export const MQTT_SETTINGS = Symbol('MQTT_SETTINGS');
