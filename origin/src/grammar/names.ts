/** The URL grammars the origin can parse, by the name settings and the CDK constructs use. */
export type GrammarName = 'cloudflare' | 'imgix' | 'cloudinary' | 'imagekit';
export const GRAMMAR_NAMES: readonly GrammarName[] = ['cloudflare', 'imgix', 'cloudinary', 'imagekit'];
