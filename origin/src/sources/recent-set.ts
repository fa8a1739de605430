/** A set of at most `max` strings; adding past that drops the least recently used. */
export class RecentSet {
  private readonly members = new Set<string>();

  constructor(private readonly max: number) {}

  /** A hit counts as a use. */
  has(value: string): boolean {
    if (!this.members.has(value)) return false;
    this.members.delete(value);
    this.members.add(value);
    return true;
  }

  add(value: string): void {
    if (this.max < 1) return;
    // Insertion order is use order: re-adding moves a member to the newest end.
    this.members.delete(value);
    this.members.add(value);
    if (this.members.size > this.max) this.members.delete(this.members.values().next().value!);
  }

  delete(value: string): void {
    this.members.delete(value);
  }

  get size(): number {
    return this.members.size;
  }
}
