import type { EmfConfig } from '../config-types.js';
import type { OriginMetrics } from './metrics.js';
import { CounterDeltas } from './counter-deltas.js';
import { COUNTERS_READ, emfDocuments } from './emf-documents.js';
import { emfLine } from './emf-line.js';
import { IntervalPeak } from './interval-peak.js';
import { stdoutLines } from './stdout.js';
import { ValueSummary } from './value-summary.js';

/** What an embedding app or the Lambda adapter may ask of the EMF publisher. */
export interface EmfFlusher {
  /** Writes what was measured since the last lines now, whatever the interval. Resolves once the lines are written. */
  flush(): Promise<void>;
  /**
   * Writes only when an interval has passed since the last lines. A Lambda adapter calls it at the
   * end of each invocation: a frozen function runs no timers, so the interval timer alone would
   * hold the numbers until the next thaw.
   */
  flushIfDue(): Promise<void>;
}

export interface EmfPublisherOptions extends Pick<EmfConfig, 'namespace' | 'service' | 'intervalMs'> {
  /** Takes one whole line (a JSON document, no newline). Default: the origin's stdout stream. */
  readonly write?: (line: string) => void;
  /** A flush that failed (a write that threw). Default: ignored; metrics never take the origin down. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The origin's metrics as CloudWatch embedded-metric-format lines, batched: every `intervalMs`
 * at most one line per metric set (emf-documents.ts), none when nothing happened. Counts are the
 * growth of the Prometheus counters in the origin's registry since the previous flush, so EMF and
 * `/metrics` always agree; durations and the queue's peak come from the same observations the
 * registry records (OriginMetrics.listen), held in bounded memory.
 */
export class EmfPublisher implements EmfFlusher {
  private readonly counters: CounterDeltas;
  private readonly transformTimes = new ValueSummary();
  private readonly sourceFetchTimes = new ValueSummary();
  private readonly queuePeak = new IntervalPeak();
  private readonly stopListening: () => void;
  private readonly write: (line: string) => void;
  private lastFlushAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  /** Flushes run one after another: each moves the counters' baseline. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    metrics: OriginMetrics,
    private readonly options: EmfPublisherOptions,
  ) {
    this.counters = new CounterDeltas(metrics.registry, COUNTERS_READ);
    this.write = options.write ?? ((line) => stdoutLines().write(`${line}\n`));
    this.stopListening = metrics.listen({
      transformMs: (ms) => this.transformTimes.record(ms),
      sourceFetchMs: (ms) => this.sourceFetchTimes.record(ms),
      queueWaiting: (waiting) => this.queuePeak.record(waiting),
    });
    this.arm();
  }

  flush(): Promise<void> {
    // Due from now on: the next timed flush is a whole interval away.
    this.lastFlushAt = performance.now();
    this.arm();
    const timestamp = Date.now();
    // Taken now, so observations made while the counters are read go to the next lines.
    const taken = { transformTimes: this.transformTimes.take(), sourceFetchTimes: this.sourceFetchTimes.take(), queuePeak: this.queuePeak.take() };
    this.queue = this.queue.then(async () => {
      try {
        const reading = { ...taken, counters: await this.counters.read() };
        for (const document of emfDocuments(reading, { namespace: this.options.namespace, service: this.options.service, timestamp })) {
          this.write(emfLine(document));
        }
      } catch (error) {
        this.options.onError?.(error);
      }
    });
    return this.queue;
  }

  flushIfDue(): Promise<void> {
    return performance.now() - this.lastFlushAt >= this.options.intervalMs ? this.flush() : this.queue;
  }

  /** Stops the timer and the listening, and writes what is left. */
  close(): Promise<void> {
    if (this.closed) return this.queue;
    this.closed = true;
    this.stopListening();
    return this.flush();
  }

  /** The next timed flush, an interval after the last flush; unref'd, so it never keeps a process alive. */
  private arm(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => void this.flush(), this.options.intervalMs).unref();
  }
}
