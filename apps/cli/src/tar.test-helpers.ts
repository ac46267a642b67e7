/**
 * Builds tar archives byte by byte, so tests can make the malicious ones a tar library would
 * refuse to write: absolute paths, `..`, links, devices, and headers that lie about sizes.
 */

/** One entry of a crafted archive. */
export interface CraftedEntry {
  name: string;
  type?: "file" | "dir" | "symlink" | "hardlink" | "chardev" | "blockdev" | "fifo";
  body?: string | Uint8Array;
  linkname?: string;
  mode?: number;
  /** Size written in the header instead of the body's length (base-256 when over 8 GiB). */
  declaredSize?: number;
  /** Pax extended header records written before this entry (e.g. `{ size: "1099511627776" }`). */
  pax?: Record<string, string>;
}

const TYPEFLAG: Record<NonNullable<CraftedEntry["type"]>, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  chardev: "3",
  blockdev: "4",
  dir: "5",
  fifo: "6",
};

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > length) throw new Error(`${value} does not fit in ${length} bytes`);
  bytes.copy(block, offset);
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}

function writeSize(block: Buffer, value: number): void {
  if (value < 8 ** 11) {
    writeOctal(block, 124, 12, value);
    return;
  }
  // GNU base-256: high bit set, big-endian value in the remaining bytes.
  let v = BigInt(value);
  for (let i = 135; i > 124; i--) {
    block[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  block[124] = 0x80;
}

function header(name: string, typeflag: string, size: number, entry: Partial<CraftedEntry> = {}): Buffer {
  const block = Buffer.alloc(512);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, entry.mode ?? (typeflag === "5" ? 0o755 : 0o644));
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeSize(block, size);
  writeOctal(block, 136, 12, 1_700_000_000);
  block.fill(0x20, 148, 156);
  writeString(block, 156, 1, typeflag);
  writeString(block, 157, 100, entry.linkname ?? "");
  writeString(block, 257, 6, "ustar\0");
  writeString(block, 263, 2, "00");
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

function padded(body: Uint8Array): Buffer {
  const size = Math.ceil(body.length / 512) * 512;
  const out = Buffer.alloc(size);
  Buffer.from(body).copy(out);
  return out;
}

function paxBody(records: Record<string, string>): Buffer {
  let text = "";
  for (const [key, value] of Object.entries(records)) {
    const content = ` ${key}=${value}\n`;
    let length = content.length + 1;
    while (String(length).length + content.length !== length) length = String(length).length + content.length;
    text += `${length}${content}`;
  }
  return Buffer.from(text, "utf8");
}

/** The bytes of a tar archive holding `entries` (ends with the two zero blocks). */
export function craftTar(entries: readonly CraftedEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.pax) {
      const body = paxBody(entry.pax);
      parts.push(header("PaxHeader", "x", body.length), padded(body));
    }
    const type = entry.type ?? "file";
    const body = typeof entry.body === "string" ? Buffer.from(entry.body) : Buffer.from(entry.body ?? []);
    parts.push(header(entry.name, TYPEFLAG[type], entry.declaredSize ?? body.length, entry), padded(body));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
