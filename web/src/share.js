// The share link: `#p=<base64url of the UTF-8 text>&d=<YYYY-MM-DD>`, nothing kept on a server.

/** base64url (RFC 4648 §5, no padding) of the UTF-8 bytes of `text`. */
export function encodeText(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The text of a base64url string, or null when it is not base64url of UTF-8. */
export function decodeText(b64) {
  try {
    const std = b64.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The fragment of a share link for `text` as of `date` (omitted when empty). */
export function shareFragment(text, date) {
  let f = '#p=' + encodeText(text);
  if (date) f += '&d=' + date;
  return f;
}

/** `{text, date}` from a location's fragment; either may be null. */
export function parseFragment(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const p = params.get('p');
  const d = params.get('d');
  return {
    text: p === null ? null : decodeText(p),
    date: d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : null,
  };
}
