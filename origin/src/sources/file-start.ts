import { type FileHandle, open } from 'node:fs/promises';
import { SNIFF_BYTES } from './image-format.js';
import type { SourceBody } from './types.js';

/** The first `bytes` bytes of a file (fewer when it is shorter): enough to sniff its format. */
export async function readFileStart(path: string, bytes: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    return await readHandleStart(file, bytes);
  } finally {
    await file.close();
  }
}

/** The same from a file already open, leaving it open (to stream the bytes that were sniffed). */
export async function readHandleStart(file: FileHandle, bytes: number): Promise<Buffer> {
  const head = Buffer.alloc(bytes);
  const { bytesRead } = await file.read(head, 0, bytes, 0);
  return head.subarray(0, bytesRead);
}

/** The bytes a format is sniffed from: a slice of a body in memory, or a read of a file's start. */
export async function bodyStart(body: SourceBody): Promise<Buffer> {
  return body.kind === 'bytes' ? body.bytes.subarray(0, SNIFF_BYTES) : readFileStart(body.path, SNIFF_BYTES);
}
