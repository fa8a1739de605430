import { type ChildProcess, fork } from 'node:child_process';

/**
 * Request/response over a forked child's IPC channel: the ceiling and the load generator each
 * run in their own process, so their CPU and memory are their own.
 */
export class WorkerClient<Command, Reply> {
  private next = 0;
  private readonly pending = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();

  private constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.on('message', (message: { id: number; reply?: Reply; error?: string }) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`${name}: ${message.error}`));
      else waiter.resolve(message.reply as Reply);
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  /** Forks a TypeScript module (run through tsx) that calls `serveCommands`. */
  static start<C, R>(modulePath: string, name: string, env: NodeJS.ProcessEnv): WorkerClient<C, R> {
    const child = fork(modulePath, [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new WorkerClient<C, R>(child, name);
  }

  get pid(): number {
    return this.child.pid!;
  }

  call(command: Command): Promise<Reply> {
    const id = this.next++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, command });
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    if (this.child.exitCode === null) this.child.kill();
  }
}

/** The child side: answers each command with the handler's result or its error message. */
export function serveCommands<Command, Reply>(handler: (command: Command) => Promise<Reply>): void {
  process.on('message', (message: { id: number; command: Command }) => {
    handler(message.command).then(
      (reply) => process.send!({ id: message.id, reply }),
      (error: unknown) => process.send!({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
