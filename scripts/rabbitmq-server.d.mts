// Types of scripts/rabbitmq-server.mjs for TypeScript callers (tests).
export const RABBITMQ_SERVER: string;
export function hasRabbitmq(): boolean;
export class RabbitmqBroker {
  constructor(dir: string, opts: { amqpPort: number; distPort: number; epmdPort: number; name: string });
  readonly url: string;
  readonly dir: string;
  start(ms?: number): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}
