import { JwtAuthGuard, Roles, RolesGuard } from '@app/auth';
import { Body, Controller, Param, Patch, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { toUserDto, UpdatePlanDto, UserDto } from './accounts.dto';
import { AccountsService } from './accounts.service';

@ApiTags('users')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@Controller('users')
@UseGuards(JwtAuthGuard, RolesGuard)
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: "Change a user's plan (admin). The user's next token carries it." })
  @ApiOkResponse({ type: UserDto })
  @ApiUnauthorizedResponse({ description: 'No or invalid access token.' })
  @ApiForbiddenResponse({ description: 'The caller is not an admin.' })
  @ApiNotFoundResponse({ description: 'No such user.' })
  async setPlan(@Param('id') id: string, @Body() body: UpdatePlanDto): Promise<UserDto> {
    return toUserDto(await this.accounts.setPlan(id, body.plan));
  }
}
