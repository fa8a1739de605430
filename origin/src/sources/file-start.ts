import { open } from 'node:fs/promises';

/** The first `bytes` bytes of a file (fewer when it is shorter): enough to sniff its format. */
export async function readFileStart(path: string, bytes: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(head, 0, bytes, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
