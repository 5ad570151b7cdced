import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CouponJobDto } from './coupon/coupon.dto';
import { MessageJobDto } from './message/message.dto';
import { QrJobDto } from './qr/qr.dto';

/** What the global ValidationPipe does: transform, then validate without unknown fields. */
function check<T extends object>(type: ClassConstructor<T>, body: object) {
  const dto = plainToInstance(type, body);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  return { dto, invalid: errors.map((error) => error.property).sort() };
}

describe('job DTOs', () => {
  it('apply the QR defaults to a body with data only', () => {
    const { dto, invalid } = check(QrJobDto, { data: 'x' });
    expect(invalid).toEqual([]);
    expect({ ...dto }).toEqual({ data: 'x', format: 'png', size: 256, ecLevel: 'M', margin: 4 });
  });

  it('accept the QR bounds and refuse what lies outside them', () => {
    const edges = { data: 'x'.repeat(2048), format: 'svg', size: 64, ecLevel: 'H', margin: 0 };
    expect(check(QrJobDto, edges).invalid).toEqual([]);
    expect(check(QrJobDto, { ...edges, size: 1024, margin: 16 }).invalid).toEqual([]);
    expect(
      check(QrJobDto, {
        data: 'x'.repeat(2049),
        format: 'jpeg',
        size: 63,
        ecLevel: 'low',
        margin: 17,
      }).invalid,
    ).toEqual(['data', 'ecLevel', 'format', 'margin', 'size']);
    expect(check(QrJobDto, { data: 'x', size: 100.5, extra: true }).invalid).toEqual([
      'extra',
      'size',
    ]);
  });

  it('default a coupon count to 1 and bound it to 1-100', () => {
    expect(check(CouponJobDto, { campaign: 'spring' }).dto.count).toBe(1);
    expect(check(CouponJobDto, { campaign: 'spring', count: 100 }).invalid).toEqual([]);
    expect(check(CouponJobDto, { campaign: 'spring', count: 0 }).invalid).toEqual(['count']);
    expect(check(CouponJobDto, { campaign: 'spring', count: 101 }).invalid).toEqual(['count']);
    expect(check(CouponJobDto, { campaign: 'spring', count: '3' }).invalid).toEqual(['count']);
  });

  it.each(['spring', 'spring-sale-2026', 'a', 'q3', 'x'.repeat(64)])(
    'accept the campaign slug %s',
    (campaign) => expect(check(CouponJobDto, { campaign }).invalid).toEqual([]),
  );

  it.each(['', 'Spring', 'spring_sale', '-spring', 'spring-', 'spring--sale', 'x'.repeat(65), 7])(
    'refuse the campaign %p',
    (campaign) => expect(check(CouponJobDto, { campaign }).invalid).toEqual(['campaign']),
  );

  it('bound message text to 1-10,000 code points', () => {
    expect(check(MessageJobDto, { text: 'x'.repeat(10_000) }).invalid).toEqual([]);
    expect(check(MessageJobDto, { text: '👋'.repeat(10_000) }).invalid).toEqual([]);
    expect(check(MessageJobDto, { text: 'x'.repeat(10_001) }).invalid).toEqual(['text']);
    expect(check(MessageJobDto, { text: '' }).invalid).toEqual(['text']);
    expect(check(MessageJobDto, {}).invalid).toEqual(['text']);
  });
});
