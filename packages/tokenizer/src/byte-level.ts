/**
 * GPT-2's `bytes_to_unicode`, the alphabet of byte-level BPE vocabularies (Qwen, Llama 3, Kimi):
 * printable bytes stand for themselves, the other bytes for code points from 256 up, in byte order.
 * Entry `b` is the one-character string that stands for byte `b`.
 */
export const BYTE_LEVEL_CHARS: readonly string[] = (() => {
  const chars: string[] = new Array(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    chars[byte] = String.fromCodePoint(printable ? byte : next++);
  }
  return chars;
})();

/** The byte each code point of {@link BYTE_LEVEL_CHARS} stands for, -1 for other code points. */
export const BYTE_OF_CODE_POINT: Int16Array = (() => {
  const bytes = new Int16Array(BYTE_LEVEL_CHARS.length + 256).fill(-1);
  BYTE_LEVEL_CHARS.forEach((char, byte) => {
    bytes[char.codePointAt(0)!] = byte;
  });
  return bytes;
})();
