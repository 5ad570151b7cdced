export { MessageJobDto, MessageAnalysis, MESSAGE_MAX_CHARS } from './message/message.dto';
export { analyzeMessage } from './message/analyze-message';
export {
  CouponJobDto,
  CouponBatch,
  CAMPAIGN_SLUG_PATTERN,
  CAMPAIGN_MAX_LENGTH,
  COUPON_MAX_COUNT,
} from './coupon/coupon.dto';
export {
  generateCoupons,
  generateCouponCode,
  parseCouponCode,
  isValidCouponCode,
  couponCheckCharacter,
  COUPON_ALPHABET,
  COUPON_ENTROPY_BITS,
  COUPON_RANDOM_CHARS,
  type ParsedCouponCode,
} from './coupon/coupon-code';
export {
  QrJobDto,
  QR_FORMATS,
  QR_EC_LEVELS,
  QR_CONTENT_TYPES,
  QR_IMAGE_CONTENT,
  QR_DATA_MAX_CHARS,
  QR_MIN_SIZE,
  QR_MAX_SIZE,
  QR_MAX_MARGIN,
  type QrFormat,
  type QrEcLevel,
  type QrContentType,
  type QrImage,
} from './qr/qr.dto';
export { renderQr, closeQrRenderer } from './qr/render-qr';
export { JobsModule } from './jobs.module';
export * from './provider-api';
export {
  IdempotencyCache,
  IdempotencyInterceptor,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAY_HEADER,
} from './idempotency';
