/** The MQTT device feeds (CONTRACT §6): topics, payload schemas and the pure mapper to facts. */
export * from './feed.topics';
export * from './feed.schemas';
export * from './feed.mapper';
