/**
 * Sent with every answer of the handler: success, 304, redirect and error alike. Whatever a
 * response carries, a browser that navigates to it runs no script and loads nothing (a sandboxed
 * document with no sources allowed), and never second-guesses its content type.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; sandbox",
  'x-content-type-options': 'nosniff',
};
