/**
 * Regenerates the sample images shipped in samples/ (run: npx tsx samples/make-samples.ts).
 * Photos are downscaled from the CC-BY-SA-3.0 corpus (see samples/SOURCES.md); the rest is synthetic.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.resolve(here, '../../shared/corpus');
const out = (name: string) => path.join(here, name);

async function photos(): Promise<void> {
  if (!existsSync(corpus)) {
    console.log(`no corpus at ${corpus}; keeping the shipped photos`);
    return;
  }
  await sharp(path.join(corpus, 'fossa-4096x2304.jpg')).resize(1600).jpeg({ quality: 82, mozjpeg: true }).toFile(out('fossa.jpg'));
  await sharp(path.join(corpus, 'kleiber-6028x3391.jpg')).resize(1200).jpeg({ quality: 82, mozjpeg: true }).toFile(out('kleiber.jpg'));
}

/** A landscape photo stored as portrait pixels with EXIF Orientation 6 (display needs a 90° clockwise turn). */
async function orientedPhoto(): Promise<void> {
  await sharp(out('kleiber.jpg')).resize(600).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 80 }).toFile(out('oriented-6.jpg'));
}

/** A PNG with an alpha channel: opaque red disc on a transparent field. */
async function alphaPng(): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">
    <circle cx="200" cy="150" r="120" fill="#e01010"/></svg>`;
  await sharp(Buffer.from(svg)).png().toFile(out('alpha.png'));
}

/** A three-frame animated GIF (red, green, blue squares). */
async function animatedGif(): Promise<void> {
  const frame = (color: string) =>
    sharp({ create: { width: 160, height: 120, channels: 3, background: color } }).png().toBuffer();
  const frames = await Promise.all(['#ff0000', '#00ff00', '#0000ff'].map(frame));
  await sharp(frames, { join: { animated: true } }).gif({ delay: [200, 200, 200], loop: 0 }).toFile(out('animated.gif'));
}

await photos();
await orientedPhoto();
await alphaPng();
await animatedGif();
console.log('samples written');
