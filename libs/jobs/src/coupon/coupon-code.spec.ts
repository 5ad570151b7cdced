import {
  COUPON_ALPHABET,
  COUPON_ENTROPY_BITS,
  couponCheckCharacter,
  generateCouponCode,
  generateCoupons,
  isValidCouponCode,
  parseCouponCode,
} from './coupon-code';

const FORMAT =
  /^SPRING-SALE-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$/;

/** Positions of the symbols covered by the check: everything after the prefix, minus hyphens. */
function checkedPositions(code: string, prefix: string): number[] {
  const positions: number[] = [];
  for (let index = prefix.length + 1; index < code.length; index++) {
    if (code[index] !== '-') positions.push(index);
  }
  return positions;
}

function replaceAt(code: string, index: number, symbol: string): string {
  return code.slice(0, index) + symbol + code.slice(index + 1);
}

describe('coupon codes', () => {
  it('carry at least 60 bits from 12 symbols of a 32-symbol unambiguous alphabet', () => {
    expect(new Set(COUPON_ALPHABET).size).toBe(32);
    expect(COUPON_ALPHABET).not.toMatch(/[ILOU]/);
    const code = generateCouponCode('spring-sale');
    const body = code.slice('SPRING-SALE-'.length, -2).replaceAll('-', '');
    expect(body).toHaveLength(12);
    expect(body.length * Math.log2(COUPON_ALPHABET.length)).toBeGreaterThanOrEqual(60);
    expect(COUPON_ENTROPY_BITS).toBe(60);
  });

  it('have the stated format and pass their own check', () => {
    const { campaign, codes } = generateCoupons({ campaign: 'spring-sale', count: 100 });
    expect(campaign).toBe('spring-sale');
    expect(codes).toHaveLength(100);
    expect(new Set(codes).size).toBe(100);
    for (const code of codes) {
      expect(code).toMatch(FORMAT);
      expect(parseCouponCode(code)).toMatchObject({ code, campaign: 'spring-sale' });
    }
  });

  it('use every symbol of the alphabet about equally (CSPRNG, no modulo bias)', () => {
    const counts = new Map<string, number>();
    const { codes } = generateCoupons({ campaign: 'x', count: 100 });
    for (let round = 0; round < 20; round++) {
      for (const code of round === 0 ? codes : generateCoupons({ campaign: 'x', count: 100 }).codes)
        for (const symbol of code.slice(2, -2).replaceAll('-', ''))
          counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    }
    // 24,000 symbols: 750 expected each; a fair source stays far inside ±25 %.
    expect(counts.size).toBe(32);
    for (const count of counts.values()) expect(Math.abs(count - 750)).toBeLessThan(190);
  });

  it('catch every single-symbol substitution (exhaustive over sample codes)', () => {
    for (const code of [generateCouponCode('spring-sale'), 'SPRING-SALE-0000-0000-0000-0']) {
      expect(isValidCouponCode(code)).toBe(true);
      let tried = 0;
      for (const index of checkedPositions(code, 'SPRING-SALE')) {
        for (const symbol of COUPON_ALPHABET) {
          if (symbol === code[index]) continue;
          expect(isValidCouponCode(replaceAt(code, index, symbol))).toBe(false);
          tried++;
        }
      }
      expect(tried).toBe(13 * 31);
    }
  });

  it('catch every swap of neighbouring symbols, across group separators too', () => {
    for (let sample = 0; sample < 50; sample++) {
      const code = generateCouponCode('spring-sale');
      const positions = checkedPositions(code, 'SPRING-SALE');
      for (let i = 0; i + 1 < positions.length; i++) {
        const [a, b] = [positions[i], positions[i + 1]];
        if (code[a] === code[b]) continue;
        const swapped = replaceAt(replaceAt(code, a, code[b]), b, code[a]);
        expect(isValidCouponCode(swapped)).toBe(false);
      }
    }
  });

  it('catch every substitution and swap for every possible pair of symbols', () => {
    // The check is linear, so all pairs at one position stand for all positions.
    for (const u of COUPON_ALPHABET) {
      for (const v of COUPON_ALPHABET) {
        if (u === v) continue;
        const body = `${u}${v}0000000000`;
        const code = `X-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8)}-${couponCheckCharacter(body)}`;
        expect(isValidCouponCode(code)).toBe(true);
        expect(isValidCouponCode(replaceAt(code, 2, v))).toBe(false);
        expect(isValidCouponCode(replaceAt(replaceAt(code, 2, v), 3, u))).toBe(false);
      }
    }
  });

  it('parse in any letter case and refuse malformed codes', () => {
    const code = generateCouponCode('q3-promo');
    expect(parseCouponCode(`  ${code.toLowerCase()} `)).toMatchObject({
      code,
      campaign: 'q3-promo',
    });
    for (const bad of [
      '',
      'SPRING',
      code.slice(0, -2),
      code.replace(/-(.)$/, '$1'),
      `${code}-0`,
      code.replace(/^Q3-PROMO-/, ''),
      code.replace(/-([0-9A-Z]{4})-/, '-$1'),
      code.slice(0, -1) + 'U',
    ]) {
      expect(isValidCouponCode(bad)).toBe(false);
    }
  });
});
