// The page's calls to its origin: the read-only JSON ones, and the image requests themselves.

/** What an <img> in Chromium sends, so format=auto negotiates as it would for the page's images. */
const IMAGE_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw await problemOf(response);
  return response.json();
}

/** An origin error as the page shows it: the x-image-cdn-error tag and the one-line message. */
export async function problemOf(response) {
  const message = (await response.text()).trim();
  return { tag: response.headers.get('x-image-cdn-error') ?? `HTTP ${response.status}`, message };
}

/**
 * The URL as the origin will accept it. Where it requires signatures, the server signs (the key
 * stays there); each URL is signed once per page load.
 */
export function createSigner(config) {
  if (config.signing !== 'server') return async (url) => url;
  const signed = new Map();
  return (url) => {
    if (!signed.has(url)) {
      const signing = getJson(`/.playground/api/sign?url=${encodeURIComponent(url)}`).then((answer) => answer.url);
      signing.catch(() => signed.delete(url));
      signed.set(url, signing);
    }
    return signed.get(url);
  };
}

/** One image request: its body as a blob and the headers, or the origin's problem. */
export async function fetchImage(url, signal) {
  const response = await fetch(url, { headers: { accept: IMAGE_ACCEPT }, signal });
  if (!response.ok) return { ok: false, problem: await problemOf(response) };
  return { ok: true, blob: await response.blob(), headers: response.headers };
}
