/**
 * A big answer written piece by piece straight into Buffers of a few KB, handed out as they fill.
 *
 * Why not strings: a page of 1,000 probes (194 KB) built with template literals and `+=` allocated
 * 1.6 MB of V8 heap, and with the responder's 2 MB young generation each page met a scavenge or
 * two half-way, which promoted whatever it had built so far; three viewers took the responder
 * from 76 to 85 MB RSS in a minute (110 MB at most). Written here, the text lives outside V8's
 * heap from the moment it is made, and the pieces (a name, `12 s`) die young.
 */
export class ByteChunks {
  readonly #size: number;
  #buffer: Buffer;
  #used = 0;
  #full: Buffer[] = [];

  constructor(size = 16 * 1024) {
    this.#size = size;
    this.#buffer = Buffer.allocUnsafe(size);
  }

  put(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a piece that may not fit starts a new chunk.
    const most = text.length * 3;
    if (this.#used + most > this.#size) {
      this.#close();
      if (most > this.#size) {
        this.#full.push(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.#used += this.#buffer.write(text, this.#used, 'utf8');
  }

  /** The chunks filled so far (and the one being filled, when `all`), handed over: none is kept. */
  take(all = false): Buffer[] {
    if (all) this.#close();
    const full = this.#full;
    this.#full = [];
    return full;
  }

  #close(): void {
    if (this.#used === 0) return;
    this.#full.push(this.#buffer.subarray(0, this.#used));
    this.#buffer = Buffer.allocUnsafe(this.#size);
    this.#used = 0;
  }
}
