// A single-producer, single-consumer ring of frames in shared memory. One
// thread appends frames and publishes them by moving the tail; the other
// reads them in order and releases the space by moving the head. Head and
// tail are byte counters that wrap at 2^32; the capacity is a power of two so
// they index the ring modulo its size. A frame never wraps: when one does not
// fit before the end, the producer writes a skip marker and starts at 0.
//
// Frame: u32 payload length, then the payload, padded to 4 bytes.
//
// A frame of more than half the ring may never fit: when the ring is empty
// with its tail at byte `at`, a frame fits only before the end (capacity -
// at) or, after a skip, at 0 (at most `at` bytes). So push refuses any frame
// past maxFrame for good, and writers keep their frames within it.

const SKIP = 0xffffffff;

export class Ring {
  readonly data: Uint8Array;
  /** The ring as u32 words (frames start at multiples of 4). */
  readonly words: Uint32Array;
  private readonly view: DataView;
  private readonly mask: number;
  /** The largest payload that always fits once the ring has drained: half the ring less the length word. */
  readonly maxFrame: number;

  /**
   * @param control  the Int32Array holding this ring's head and tail words
   * @param headAt   index of the head word (advanced by the consumer)
   * @param tailAt   index of the tail word (advanced by the producer)
   */
  constructor(
    buffer: SharedArrayBuffer,
    offset: number,
    readonly capacity: number,
    private readonly control: Int32Array,
    private readonly headAt: number,
    private readonly tailAt: number,
  ) {
    if ((capacity & (capacity - 1)) !== 0 || capacity < 64) throw new RangeError('ring capacity must be a power of two >= 64');
    this.data = new Uint8Array(buffer, offset, capacity);
    this.words = new Uint32Array(buffer, offset, capacity >>> 2);
    this.view = new DataView(buffer, offset, capacity);
    this.mask = capacity - 1;
    this.maxFrame = capacity / 2 - 4;
  }

  /** Producer: appends one frame; false when the ring has no room for it now. */
  push(payload: Uint8Array, length: number): boolean {
    const at = this.claim(length);
    if (at < 0) return false;
    this.data.set(payload.subarray(0, length), at);
    this.publish();
    return true;
  }

  /** The tail a claimed frame moves the ring to when published. */
  private claimed = 0;

  /**
   * Producer: makes room for a frame of `length` bytes and returns the
   * offset in `data` (a multiple of 4) where its payload goes, or -1 when
   * the ring has no room now. The frame is the reader's once publish() is
   * called; until then the producer writes its payload in place.
   */
  claim(length: number): number {
    if (length > this.maxFrame) throw new RangeError(`a frame of ${length} bytes can never fit a ring of ${this.capacity} (at most ${this.maxFrame})`);
    const need = 4 + ((length + 3) & ~3);
    const head = Atomics.load(this.control, this.headAt) >>> 0;
    let tail = this.control[this.tailAt] >>> 0;
    let used = (tail - head) >>> 0;
    let at = tail & this.mask;
    if (at + need > this.capacity) {
      const skip = this.capacity - at;
      if (used + skip + need > this.capacity) return -1;
      this.view.setUint32(at, SKIP, true);
      tail = (tail + skip) >>> 0;
      used += skip;
      at = 0;
    }
    if (used + need > this.capacity) return -1;
    this.view.setUint32(at, length, true);
    this.claimed = (tail + need) | 0;
    return at + 4;
  }

  /** Producer: publishes the frame claimed last. */
  publish(): void {
    Atomics.store(this.control, this.tailAt, this.claimed);
  }

  /** Whether a frame is waiting (a cheap load for spinning). */
  pending(): boolean {
    return Atomics.load(this.control, this.tailAt) !== this.control[this.headAt];
  }

  /**
   * Consumer: calls `take(offset, length)` for every published frame, in
   * order, with the payload at data[offset .. offset + length), then releases
   * their space. Returns the number of frames read.
   */
  drain(take: (offset: number, length: number) => void): number {
    const tail = Atomics.load(this.control, this.tailAt) >>> 0;
    let head = this.control[this.headAt] >>> 0;
    let frames = 0;
    while (head !== tail) {
      const at = head & this.mask;
      const length = this.view.getUint32(at, true);
      if (length === SKIP) {
        head = (head + this.capacity - at) >>> 0;
        continue;
      }
      take(at + 4, length);
      head = (head + 4 + ((length + 3) & ~3)) >>> 0;
      frames++;
    }
    Atomics.store(this.control, this.headAt, head | 0);
    return frames;
  }
}
