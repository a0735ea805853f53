// One structured JSON logger for the whole process. Messages are constant; the facts go in
// fields (namespace, name, uid, err), so logs can be searched and counted.
import { pino, stdSerializers, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { component: 'reserve' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // stdSerializers.err keeps an Error's type, message and stack, which JSON.stringify drops.
    serializers: { err: stdSerializers.err },
  });
}
