import { JOB_KINDS, type JobKind } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsUrl, Max, Min } from 'class-validator';
import { JOB_STATUSES, type JobRecord, type JobStatus } from './job-record';

export class CreateJobDto {
  @ApiProperty({ enum: JOB_KINDS })
  @IsIn(JOB_KINDS)
  kind!: JobKind;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The body of the sync endpoint of that kind: {text} | {campaign, count} | {data, format, ...}',
    example: { text: 'Hello, Spillway' },
  })
  @IsObject()
  payload!: Record<string, unknown>;

  @ApiPropertyOptional({
    description:
      'Milliseconds from now by which the job must be done. A paid plan waits for free when free reopens before then, else pays at once.',
    minimum: 1,
    maximum: 86_400_000,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400_000)
  deadlineMs?: number;

  @ApiPropertyOptional({
    description: 'POSTed the finished job, signed with HMAC-SHA256 (see README, "Job callbacks").',
    example: 'https://example.com/hooks/spillway',
  })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  callbackUrl?: string;
}

export class JobAcceptedDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: JOB_STATUSES })
  status!: JobStatus;
}

export class JobStateDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: JOB_KINDS })
  kind!: JobKind;

  @ApiProperty({ enum: JOB_STATUSES })
  status!: JobStatus;

  @ApiProperty({ enum: ['free', 'paid'], nullable: true, type: String })
  provider!: 'free' | 'paid' | null;

  @ApiProperty({ nullable: true, description: 'Why the job went where it went' })
  reason!: string | null;

  @ApiProperty({
    nullable: true,
    description:
      'message: the analysis; coupon: {coupons: [{code, campaign}]}; qr: {contentType, base64}',
  })
  result!: unknown;

  @ApiProperty({ nullable: true, type: String })
  error!: string | null;

  @ApiProperty({ description: 'Epoch ms' })
  createdAt!: number;

  @ApiProperty({ nullable: true, type: Number })
  finishedAt!: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Epoch ms while deferred' })
  deferredUntil!: number | null;

  @ApiProperty({ nullable: true, type: Number })
  deadlineAt!: number | null;

  @ApiProperty({ enum: ['none', 'pending', 'delivered', 'failed'] })
  callback!: JobRecord['callback'];

  static from(record: JobRecord): JobStateDto {
    return {
      id: record.id,
      kind: record.kind,
      status: record.status,
      provider: record.provider,
      reason: record.reason,
      result: record.result ?? null,
      error: record.error,
      createdAt: record.createdAt,
      finishedAt: record.finishedAt,
      deferredUntil: record.status === 'deferred' ? record.deferredUntil : null,
      deadlineAt: record.deadlineAt,
      callback: record.callback,
    };
  }
}
