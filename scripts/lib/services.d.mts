export function redisPing(host: string, port: number, timeoutMs?: number): Promise<string | undefined>;
export function mongoPing(host: string, port: number, timeoutMs?: number): Promise<boolean>;
export function parseRedisUrl(url: string): { host: string; port: number };
export function parseMongoUri(uri: string): { host: string; port: number } | undefined;
export function ensureServices(options: {
  redisUrl: string;
  mongoUri: string;
  say?: (line: string) => void;
}): Promise<{ started: Array<{ name: string; pid: number }>; stop: () => Promise<void> }>;
export function ferretdbBinary(say: (line: string) => void): string | undefined;
export const root: string;
export const dataDir: string;
