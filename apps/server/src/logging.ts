/**
 * Paths pino replaces with "[redacted]": credentials and anything that could carry patient data.
 * HL7 payloads are never logged whole; log ids (inbox id, case id), not content.
 */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hook-secret"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'patient',
  '*.patient',
  '*.patient.name',
  'raw',
  '*.raw',
];
