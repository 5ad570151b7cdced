export {
  AuthModule,
  remoteJwks,
  remoteJwtVerifier,
  JWKS_PATH,
  type AuthConfig,
} from './auth.module';
export { JwtAuthGuard, type CsrfConfig } from './jwt-auth.guard';
export {
  JwtVerifier,
  TokenRejectedError,
  type JwtVerifierOptions,
  type VerifiedAccessToken,
} from './jwt-verifier';
export { CurrentUser } from './current-user.decorator';
export { Roles, RolesGuard } from './roles';
export { isForeignUnsafeRequest, ownOrigin } from './csrf';
export {
  ACCESS_TOKEN_ALG,
  ACCESS_TOKEN_COOKIE,
  REFRESH_TOKEN_COOKIE,
  presentedToken,
  readCookie,
  type PresentedToken,
  type TokenSource,
} from './access-token';
