import { PLANS, ROLES, type AuthenticatedUser, type Plan, type Role } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';

export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ enum: PLANS, example: 'free' })
  plan!: Plan;

  @ApiProperty({ enum: ROLES, example: 'user' })
  role!: Role;
}

export class UpdatePlanDto {
  @ApiProperty({ enum: PLANS, description: 'The plan the user is on from their next token.' })
  @IsIn(PLANS)
  plan!: Plan;
}

export function toUserDto(user: AuthenticatedUser): UserDto {
  return { id: user.id, email: user.email, plan: user.plan, role: user.role };
}
