/** `resolve;dur=0.2, transform;dur=11.8` → [['resolve', 0.2], ['transform', 11.8]], as the origin writes it (http/request-timings.ts). */
export function parseServerTiming(header: string | null): Array<[string, number]> {
  if (!header) return [];
  return header.split(',').flatMap((entry) => {
    const [name = '', ...params] = entry.trim().split(';');
    const duration = params.map((param) => /^\s*dur=([\d.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
    return name && duration !== undefined ? [[name.trim(), Number(duration)] as [string, number]] : [];
  });
}
