import type { Metadata } from 'sharp';

/** Decoded pixels, as libvips hands them over: 8-bit, interleaved, `channels` per pixel. */
export interface Raster {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  /**
   * An animation's frames are stacked top to bottom (libvips' multi-page image): the height of
   * one, when there is more than one. A pipeline that starts from the pixels must know it, or
   * libvips sees one tall image and every later step (extend, crop, the encoder) loses the frames.
   */
  readonly pageHeight?: number;
}

export type RasterLookup = 'hit' | 'miss' | 'joined';

export interface RasterCacheHooks {
  /** `hit`: retained; `joined`: another transform was already decoding it; `miss`: decoded now. */
  onLookup?(outcome: RasterLookup): void;
  onResize?(bytes: number, entries: number): void;
}

/** What the engine needs from a source's header; the rest (ICC, XMP, …) is not kept. */
export type SourceHeader = Pick<Metadata, 'format' | 'width' | 'height' | 'pageHeight' | 'pages' | 'delay' | 'loop' | 'orientation' | 'exif' | 'depth'>;

/**
 * Decoded sources: rasters, least recently used dropped first once `maxBytes` are held, and the
 * headers they came from. Concurrent requests for a raster being decoded share that decode; a
 * failed decode is not kept. With `maxBytes` 0 no raster is retained, but concurrent decodes are
 * still shared. Keys must change whenever the source's bytes do (the source's ETag seed).
 */
export class RasterCache {
  private readonly retained = new Map<string, Raster>();
  private readonly decoding = new Map<string, Promise<Raster>>();
  private readonly headers = new Map<string, SourceHeader>();
  private heldBytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly hooks: RasterCacheHooks = {},
    private readonly maxHeaders = 1024,
  ) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) throw new RangeError(`raster cache size must be a non-negative number of bytes, got ${maxBytes}`);
  }

  /** The source's header, read once per key while rasters are kept (`maxBytes` > 0). */
  async header(key: string, read: () => Promise<SourceHeader>): Promise<SourceHeader> {
    const known = this.headers.get(key);
    if (known) return known;
    const { format, width, height, pageHeight, pages, delay, loop, orientation, exif, depth } = await read();
    const header: SourceHeader = { format, width, height, pageHeight, pages, delay, loop, orientation, exif, depth };
    if (this.maxBytes > 0) {
      if (this.headers.size >= this.maxHeaders) this.headers.delete(this.headers.keys().next().value!);
      this.headers.set(key, header);
    }
    return header;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  get size(): number {
    return this.retained.size;
  }

  /** Lets go of every retained raster and header; a decode still under way keeps its result as usual. */
  clear(): void {
    this.retained.clear();
    this.headers.clear();
    this.heldBytes = 0;
    this.hooks.onResize?.(0, 0);
  }

  /** `whileShared` wraps the wait when another caller is already decoding `key`. */
  async get(key: string, decode: () => Promise<Raster>, whileShared: (decoding: Promise<Raster>) => Promise<Raster> = (d) => d): Promise<Raster> {
    const known = this.retained.get(key);
    if (known) {
      // Re-inserting moves the entry to the young end of the map's order.
      this.retained.delete(key);
      this.retained.set(key, known);
      this.hooks.onLookup?.('hit');
      return known;
    }
    const pending = this.decoding.get(key);
    if (pending) {
      this.hooks.onLookup?.('joined');
      return whileShared(pending);
    }
    this.hooks.onLookup?.('miss');
    const decoded = decode().then(
      (raster) => {
        this.decoding.delete(key);
        this.retain(key, raster);
        return raster;
      },
      (error: unknown) => {
        this.decoding.delete(key);
        throw error;
      },
    );
    this.decoding.set(key, decoded);
    return decoded;
  }

  private retain(key: string, raster: Raster): void {
    const size = raster.data.length;
    if (size > this.maxBytes) return;
    for (const [oldest, entry] of this.retained) {
      if (this.heldBytes + size <= this.maxBytes) break;
      this.retained.delete(oldest);
      this.heldBytes -= entry.data.length;
    }
    this.retained.set(key, raster);
    this.heldBytes += size;
    this.hooks.onResize?.(this.heldBytes, this.retained.size);
  }
}
