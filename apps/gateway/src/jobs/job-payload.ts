import type { JobKind } from '@app/contracts';
import { ValidationFailedError, type FieldError } from '@app/http';
import { MessageJobDto, QrJobDto } from '@app/jobs';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { IssueCouponsDto } from '../coupons/coupons.dto';

const PAYLOAD_TYPES = { message: MessageJobDto, coupon: IssueCouponsDto, qr: QrJobDto } as const;

export type JobPayload = MessageJobDto | IssueCouponsDto | QrJobDto;

function fields(errors: ValidationError[], parent: string): FieldError[] {
  return errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}).map((message) => ({
      field: `${parent}.${error.property}`,
      message,
    })),
    ...fields(error.children ?? [], `${parent}.${error.property}`),
  ]);
}

/** The payload of an async job obeys exactly the rules of the sync endpoint of its kind. */
export function validatePayload(kind: JobKind, payload: Record<string, unknown>): JobPayload {
  const type: new () => JobPayload = PAYLOAD_TYPES[kind];
  const instance = plainToInstance(type, payload);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw new ValidationFailedError(fields(errors, 'payload'));
  return instance;
}
