/** The folder of the playground's modules and page files; undefined inside a bundle. */
declare const here: { readonly dir: string | undefined };
export = here;
