import { createHash } from 'node:crypto';
import type { MessageAnalysis, MessageJobDto } from './message.dto';

const WHITESPACE_RUN = /\s+/gu;
const LINE_BREAK = /\r\n|\r|\n/g;

/** Pure and deterministic: the same text gives the same analysis on every provider. */
export function analyzeMessage({ text }: MessageJobDto): MessageAnalysis {
  const words = text.split(WHITESPACE_RUN).filter((word) => word.length > 0).length;
  return {
    characters: [...text].length,
    words,
    lines: (text.match(LINE_BREAK)?.length ?? 0) + 1,
    bytes: Buffer.byteLength(text, 'utf8'),
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    normalized: text.normalize('NFKC').toLowerCase().replace(WHITESPACE_RUN, ' ').trim(),
  };
}
