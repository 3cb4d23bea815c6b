// The share link: `#d=<YYYY-MM-DD>&dates=as_of&n=<length>&p=<base64url of the UTF-8 text>`,
// nothing kept on a server. `n` (the text's length in UTF-16 code units) comes before `p`, so
// that a link cut anywhere (by a mail or chat program) is detected: its `p` is then shorter
// than `n` says, or missing. Links without `n` (made before it existed) still open.

/** base64url (RFC 4648 §5, no padding) of the UTF-8 bytes of `text`. */
export function encodeText(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The text of a base64url string, or why it is none: `{text}` or `{error}`. */
export function decodeText(b64) {
  if (!/^[A-Za-z0-9_-]*$/.test(b64)) return { error: 'the proposal (`p=`) has characters that base64url does not use' };
  if (b64.length % 4 === 1) return { error: 'the proposal (`p=`) is not whole base64url (it may have been cut)' };
  let bytes;
  try {
    const std = b64.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
    bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return { error: 'the proposal (`p=`) is not base64url' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { error: 'the proposal (`p=`) is not UTF-8 text (it may have been cut or altered)' };
  }
}

/** Whether `d` is a real calendar date written `YYYY-MM-DD` (`2026-02-30` is not). */
export function isDate(d) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  if (!m) return false;
  const [y, mo, da] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(2000, mo - 1, da));
  t.setUTCFullYear(y);
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === da;
}

/**
 * The fragment of a share link for `text` as of `date` (omitted when empty); `dates` is
 * `as_of` when every step is to be judged on `date` (the proposal's own dates set aside).
 */
export function shareFragment(text, date, dates = 'own') {
  let f = '#';
  if (date) f += 'd=' + date + '&';
  if (date && dates === 'as_of') f += 'dates=as_of&';
  return f + 'n=' + text.length + '&p=' + encodeText(text);
}

/**
 * `{text, date, dates, error}` from a location's fragment: `text` and `date` are null when
 * the fragment has none; `error` says why the link is damaged (then nothing else is to be
 * loaded from it).
 */
export function parseFragment(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const p = params.get('p');
  const d = params.get('d');
  const n = params.get('n');
  const dates = params.get('dates');
  const out = { text: null, date: null, dates: 'own', error: null };
  const damaged = (error) => ({ ...out, error });
  if (d !== null && !isDate(d)) return damaged(`its date (\`d=\`) is \`${d.slice(0, 20)}\`, not a date`);
  if (dates !== null && dates !== 'own' && dates !== 'as_of') return damaged(`\`dates=\` is \`${dates.slice(0, 20)}\`, neither \`own\` nor \`as_of\``);
  if (n !== null && !/^\d+$/.test(n)) return damaged(`its length (\`n=\`) is \`${n.slice(0, 20)}\`, not a number`);
  if (n !== null && p === null) return damaged('it has no proposal (`p=`): it was cut');
  out.date = d;
  out.dates = d && dates === 'as_of' ? 'as_of' : 'own';
  if (p === null) return out;
  const t = decodeText(p);
  if (t.error) return damaged(t.error);
  if (n !== null && t.text.length !== Number(n)) {
    return damaged(`the proposal is ${t.text.length} characters long, the link says ${n}: it was cut or altered`);
  }
  out.text = t.text;
  return out;
}
