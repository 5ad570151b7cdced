import { randomBytes } from 'node:crypto';
import type { CouponBatch, CouponJobDto } from './coupon.dto';

/** Crockford base32: digits and upper-case letters without I, L, O and U, which read ambiguously. */
export const COUPON_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const COUPON_GROUPS = 3;
export const COUPON_GROUP_LENGTH = 4;
export const COUPON_RANDOM_CHARS = COUPON_GROUPS * COUPON_GROUP_LENGTH;
/** 12 symbols of 5 bits each. */
export const COUPON_ENTROPY_BITS = COUPON_RANDOM_CHARS * Math.log2(COUPON_ALPHABET.length);

const SYMBOL = `[${COUPON_ALPHABET}]`;
const GROUP = `${SYMBOL}{${COUPON_GROUP_LENGTH}}`;
const COUPON_CODE_PATTERN = new RegExp(
  `^([A-Z0-9]+(?:-[A-Z0-9]+)*)-(${GROUP})-(${GROUP})-(${GROUP})-(${SYMBOL})$`,
);

const VALUE_OF = new Map([...COUPON_ALPHABET].map((symbol, value) => [symbol, value]));

/** Multiplication by x in GF(32) built on the primitive polynomial x^5 + x^2 + 1. */
function timesX(value: number): number {
  const shifted = value << 1;
  return shifted & 0x20 ? shifted ^ 0x25 : shifted;
}

/**
 * Folds symbols as acc = x·acc + v in GF(32), i.e. evaluates Σ v_i·x^(n-1-i). A code is valid
 * when the fold over body and check is 0. Why it catches errors: substituting one symbol
 * changes the sum by δ·x^k with δ ≠ 0; swapping neighbours u ≠ v changes it by
 * (u+v)·(x+1)·x^k. Both are products of non-zero field elements, hence never 0.
 */
function fold(symbols: string): number {
  let acc = 0;
  for (const symbol of symbols) acc = timesX(acc) ^ (VALUE_OF.get(symbol) ?? 0);
  return acc;
}

/** The symbol that makes the fold over `body + check` zero. */
export function couponCheckCharacter(body: string): string {
  return COUPON_ALPHABET[timesX(fold(body))];
}

function randomBody(): string {
  // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
  return [...randomBytes(COUPON_RANDOM_CHARS)].map((byte) => COUPON_ALPHABET[byte & 0x1f]).join('');
}

function format(prefix: string, body: string): string {
  const groups: string[] = [];
  for (let start = 0; start < body.length; start += COUPON_GROUP_LENGTH) {
    groups.push(body.slice(start, start + COUPON_GROUP_LENGTH));
  }
  return [prefix, ...groups, couponCheckCharacter(body)].join('-');
}

/** One code, e.g. `SPRING-SALE-7F3K-2QXM-9ABD-R`. */
export function generateCouponCode(campaign: string): string {
  return format(campaign.toUpperCase(), randomBody());
}

export function generateCoupons({ campaign, count }: CouponJobDto): CouponBatch {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generateCouponCode(campaign));
  return { campaign, codes: [...codes] };
}

export interface ParsedCouponCode {
  /** The canonical (upper-case, trimmed) code. */
  code: string;
  /** The campaign slug the prefix stands for. */
  campaign: string;
  /** The 12 random symbols without separators. */
  body: string;
  check: string;
}

/** Accepts any letter case and surrounding spaces; null when the format or check fails. */
export function parseCouponCode(input: string): ParsedCouponCode | null {
  const code = input.trim().toUpperCase();
  const match = COUPON_CODE_PATTERN.exec(code);
  if (!match) return null;
  const [, prefix, first, second, third, check] = match;
  const body = `${first}${second}${third}`;
  if (fold(body + check) !== 0) return null;
  return { code, campaign: prefix.toLowerCase(), body, check };
}

export function isValidCouponCode(code: string): boolean {
  return parseCouponCode(code) !== null;
}
