/** What a variant may be called: safe in every grammar's URL and in a file name. */
export const VARIANT_NAME = /^[a-z0-9_-]{1,64}$/;
