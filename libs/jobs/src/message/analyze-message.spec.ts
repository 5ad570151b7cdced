import { createHash } from 'node:crypto';
import { analyzeMessage } from './analyze-message';

describe('analyzeMessage', () => {
  it('counts characters, words, lines and bytes and normalises the text', () => {
    expect(analyzeMessage({ text: '  Hello,\tWORLD!\r\nSecond  line\nthird ' })).toEqual({
      characters: 36,
      words: 5,
      lines: 3,
      bytes: 36,
      sha256: createHash('sha256').update('  Hello,\tWORLD!\r\nSecond  line\nthird ').digest('hex'),
      normalized: 'hello, world! second line third',
    });
  });

  it('counts code points, not UTF-16 units, and UTF-8 bytes', () => {
    const result = analyzeMessage({ text: 'ﬁ café 👋🏽' });
    expect(result.characters).toBe(9);
    expect(result.bytes).toBe(Buffer.byteLength('ﬁ café 👋🏽'));
    expect(result.words).toBe(3);
    expect(result.normalized).toBe('fi café 👋🏽');
  });

  it('gives identical results for identical input across calls', () => {
    const text = 'Same input,\nsame answer — on free and on paid.';
    const first = analyzeMessage({ text });
    for (let call = 0; call < 20; call++) expect(analyzeMessage({ text })).toEqual(first);
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('treats whitespace-only text as zero words', () => {
    expect(analyzeMessage({ text: ' \n ' })).toMatchObject({ words: 0, lines: 2, normalized: '' });
  });
});
