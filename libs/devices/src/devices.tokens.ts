/** What every role needs to know of the device feeds. */
export interface DevicesSettings {
  /** The external broker (`MQTT_URL`), whose user the Mosquitto files name as the platform's; unset: embedded. */
  mqttUrl?: string;
}

export const DEVICES_SETTINGS = Symbol('DEVICES_SETTINGS');
