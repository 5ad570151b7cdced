import { renderQr } from '@app/jobs';

const COUPON_QR_SIZE = 256;

/** A coupon as handed to its owner, with its QR code as a PNG data URL when asked for. */
export async function presentCoupon(
  code: string,
  campaign: string,
  withQr: boolean,
): Promise<{ code: string; campaign: string; qr?: string }> {
  if (!withQr) return { code, campaign };
  const image = await renderQr({
    data: code,
    format: 'png',
    size: COUPON_QR_SIZE,
    ecLevel: 'M',
    margin: 4,
  });
  return { code, campaign, qr: `data:image/png;base64,${image.bytes.toString('base64')}` };
}
