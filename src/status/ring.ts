// A fixed number of the newest entries, each numbered in arrival order: the dashboard's memory is
// bounded by construction (sizes in docs/dashboard.md), and a push is one array store.

export class Ring<T> {
  private readonly slots: Array<T | undefined>;
  /** The number the next entry gets; also how many entries ever arrived. */
  private next = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<T | undefined>(capacity);
  }

  /** Stores `entry` and returns its number. */
  push(entry: T): number {
    const id = this.next;
    this.slots[id % this.capacity] = entry;
    this.next = id + 1;
    return id;
  }

  /** The newest entry's number, -1 before the first. */
  get lastId(): number {
    return this.next - 1;
  }

  /** The entry numbered `id`, while it is still kept. */
  get(id: number): T | undefined {
    if (!Number.isInteger(id) || id < 0 || id >= this.next || id < this.next - this.capacity) return undefined;
    return this.slots[id % this.capacity];
  }

  /** Entries numbered above `afterId`, newest first, at most `limit` of them. */
  newest(afterId = -1, limit = this.capacity): Array<{ readonly id: number; readonly entry: T }> {
    const out: Array<{ id: number; entry: T }> = [];
    const oldest = Math.max(afterId + 1, this.next - this.capacity, 0);
    for (let id = this.next - 1; id >= oldest && out.length < limit; id -= 1) out.push({ id, entry: this.slots[id % this.capacity] as T });
    return out;
  }
}
