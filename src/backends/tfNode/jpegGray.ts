/**
 * A small baseline JPEG encoder for grayscale images (one component), which jpeg-js's encoder
 * lacks: libjpeg, and so tfjs-node, writes a 1-channel image as a grayscale JPEG, which decodes
 * back to 1 channel. Standard luminance quantization table scaled by quality as libjpeg scales it
 * (jpeg_quality_scaling), the standard Huffman tables of ITU T.81 Annex K, a float DCT.
 */

/** T.81 Annex K.1: the luminance quantization table, in natural (row-major) order. */
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35,
  55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** Zigzag order: ZIGZAG[k] is the natural index of the k-th coefficient. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30,
  37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** T.81 Annex K.3: code counts per length (1..16) and symbols of the luminance DC and AC tables. */
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1,
  0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
  0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
  0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
  0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

interface Code {
  code: number;
  length: number;
}

/** The canonical Huffman codes of a table given as code counts per length and symbols (T.81 Annex C). */
function huffmanCodes(bits: number[], values: number[]): Code[] {
  const codes: Code[] = [];
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < bits[length - 1]; i++) codes[values[k++]] = { code: code++, length };
    code <<= 1;
  }
  return codes;
}

const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);
const AC_CODES = huffmanCodes(AC_BITS, AC_VALUES);

/** cos((2x + 1) u π / 16) · C(u) / 2, for the separable 8×8 forward DCT. */
const DCT = Array.from({ length: 64 }, (_, i) => {
  const u = i >> 3;
  const x = i & 7;
  return (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/** libjpeg's quantization table for a quality (jpeg_quality_scaling, forced to baseline), in natural order. */
export function lumaQuantTable(quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - q * 2;
  return LUMA_QUANT.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

/** Bits to bytes, with the 0x00 stuffed after every 0xFF of entropy-coded data. */
class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((code >> i) & 1);
      if (++this.count === 8) this.emit();
    }
  }

  /** Pads the last byte with 1 bits and returns everything written. */
  finish(): number[] {
    while (this.count !== 0) this.write(1, 1);
    return this.bytes;
  }

  private emit(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.count = 0;
  }
}

/** The magnitude category of a coefficient and its low bits as T.81 F.1.2.1 codes them. */
function category(value: number): { size: number; bits: number } {
  const magnitude = Math.abs(value);
  const size = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
  return { size, bits: value < 0 ? (value - 1) & ((1 << size) - 1) : value };
}

/** The 8×8 block at (bx, by), edge pixels repeated past the image, level-shifted by -128. */
function block(gray: Uint8Array, width: number, height: number, bx: number, by: number): Float64Array {
  const out = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    const row = Math.min(by * 8 + y, height - 1) * width;
    for (let x = 0; x < 8; x++) out[y * 8 + x] = gray[row + Math.min(bx * 8 + x, width - 1)] - 128;
  }
  return out;
}

/** Forward DCT of one block, quantized, in zigzag order. */
function quantizedDct(pixels: Float64Array, quant: number[]): Int32Array {
  const rows = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < 8; x++) s += DCT[u * 8 + x] * pixels[y * 8 + x];
      rows[y * 8 + u] = s;
    }
  }
  const out = new Int32Array(64);
  for (let k = 0; k < 64; k++) {
    const n = ZIGZAG[k];
    const v = n >> 3;
    const u = n & 7;
    let s = 0;
    for (let y = 0; y < 8; y++) s += DCT[v * 8 + y] * rows[y * 8 + u];
    out[k] = Math.round(s / quant[n]);
  }
  return out;
}

/** Huffman-codes one block's coefficients (zigzag order); returns its DC value for the next block's difference. */
function encodeBlock(bits: BitWriter, coefs: Int32Array, previousDc: number): number {
  const dc = category(coefs[0] - previousDc);
  bits.write(DC_CODES[dc.size].code, DC_CODES[dc.size].length);
  if (dc.size > 0) bits.write(dc.bits, dc.size);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    if (coefs[k] === 0) {
      run++;
      continue;
    }
    for (; run > 15; run -= 16) bits.write(AC_CODES[0xf0].code, AC_CODES[0xf0].length);
    const ac = category(coefs[k]);
    const symbol = AC_CODES[(run << 4) | ac.size];
    bits.write(symbol.code, symbol.length);
    bits.write(ac.bits, ac.size);
    run = 0;
  }
  if (run > 0) bits.write(AC_CODES[0].code, AC_CODES[0].length);
  return coefs[0];
}

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...body];
}

/** The headers: SOI, JFIF APP0 (density 1:1, no unit; the caller sets it), DQT, SOF0, DHT, SOS. */
function headers(width: number, height: number, quant: number[]): number[] {
  const jfif = [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const dqt = [0, ...ZIGZAG.map((n) => quant[n])];
  const sof = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0];
  const dht = [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES];
  const sos = [1, 1, 0x00, 0, 63, 0];
  return [0xff, 0xd8, ...segment(0xe0, jfif), ...segment(0xdb, dqt), ...segment(0xc0, sof), ...segment(0xc4, dht), ...segment(0xda, sos)];
}

/**
 * Encodes 8-bit grayscale pixels (row-major, one byte each) as a baseline JPEG with one component.
 *
 * @param quality 1–100 as libjpeg reads it (0 is taken as 1).
 */
export function encodeGrayJpeg(gray: Uint8Array, width: number, height: number, quality: number): Uint8Array {
  const quant = lumaQuantTable(quality);
  const bits = new BitWriter();
  let dc = 0;
  for (let by = 0; by < Math.ceil(height / 8); by++) {
    for (let bx = 0; bx < Math.ceil(width / 8); bx++) dc = encodeBlock(bits, quantizedDct(block(gray, width, height, bx, by), quant), dc);
  }
  const head = headers(width, height, quant);
  const body = bits.finish();
  const out = new Uint8Array(head.length + body.length + 2);
  out.set(head);
  out.set(body, head.length);
  out.set([0xff, 0xd9], head.length + body.length);
  return out;
}
