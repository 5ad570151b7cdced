'use strict';
// Runs in a piscina worker thread. Building a large code (mask scoring) and encoding the PNG
// take 100+ ms and would stall every other request on the main thread. Plain CommonJS so the
// same file runs from src/ under Jest and from dist/ (the build copies it unchanged).
// Types: QrRenderJob in, QrRenderOutcome out (qr-render-job.ts).
const QRCode = require('qrcode');
const svgRenderer = require('qrcode/lib/renderer/svg-tag');
const { crc32, deflateSync } = require('node:zlib');

// Whole pixels per module keep every module the same size, which scanners rely on; below two
// a code is unreliable to scan.
const MIN_PIXELS_PER_MODULE = 2;
const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function createCode(job) {
  try {
    return QRCode.create(job.data, { errorCorrectionLevel: job.ecLevel });
  } catch (error) {
    if (/too big/i.test(String(error && error.message))) return null;
    throw error;
  }
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A 1-bit greyscale PNG of exactly size × size pixels: the code at a whole number of pixels per
 * module, centred, the left-over pixels added to the quiet zone.
 */
function renderPng(code, size, margin) {
  const modules = code.modules.size;
  const scale = Math.floor(size / (modules + 2 * margin));
  const offset = Math.floor((size - modules * scale) / 2);
  const rowBytes = Math.ceil(size / 8);
  const raw = Buffer.alloc((rowBytes + 1) * size, 0xff);
  for (let y = 0; y < size; y++) {
    const row = y * (rowBytes + 1);
    raw[row] = 0; // filter type None
    const moduleY = Math.floor((y - offset) / scale);
    if (y < offset || moduleY >= modules) continue;
    for (let x = offset; x < offset + modules * scale; x++) {
      if (code.modules.get(moduleY, Math.floor((x - offset) / scale))) {
        raw[row + 1 + (x >> 3)] &= ~(0x80 >> (x & 7));
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

module.exports = function renderQr(job) {
  const code = createCode(job);
  if (code === null) return { outcome: 'data-too-long' };
  const minSize = (code.modules.size + 2 * job.margin) * MIN_PIXELS_PER_MODULE;
  if (job.size < minSize) return { outcome: 'size-too-small', minSize };
  if (job.format === 'svg') {
    const svg = svgRenderer.render(code, { width: job.size, margin: job.margin });
    return { outcome: 'rendered', bytes: Buffer.from(svg, 'utf8') };
  }
  return { outcome: 'rendered', bytes: renderPng(code, job.size, job.margin) };
};
