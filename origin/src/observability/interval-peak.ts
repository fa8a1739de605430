/** The highest level seen since the last take; a level that holds through an interval is that interval's peak too. */
export class IntervalPeak {
  private current = 0;
  private peak = 0;

  record(level: number): void {
    this.current = level;
    if (level > this.peak) this.peak = level;
  }

  take(): number {
    const peak = this.peak;
    this.peak = this.current;
    return peak;
  }
}
