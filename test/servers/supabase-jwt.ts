/**
 * JWTs as Supabase issues and PostgREST verifies them: HS256 with the project's secret;
 * `alg: none`, another algorithm, a bad signature or an expired token are refused.
 */
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';

/** The claims a verified token carries (PostgREST puts them in request.jwt.claims). */
export interface VerifiedClaims extends JWTPayload {
  role: string;
  sub?: string;
  email?: string;
}

/** Signs and verifies with one shared secret. */
export interface JwtKit {
  sign(claims: Record<string, unknown>, ttlSeconds: number): Promise<string>;
  /** The verified claims, or undefined for any token PostgREST would refuse. */
  verify(token: string): Promise<VerifiedClaims | undefined>;
  /** Why `token` is refused (jose's words, as Storage passes them on), or undefined when it is not. */
  refusal(token: string): Promise<string | undefined>;
  /**
   * How far the server's clock runs ahead of the machine's, in seconds: tests move it to
   * make tokens already issued expire between two requests, without sleeping.
   */
  skewSeconds: number;
}

/** A kit for `secret` (at least 32 characters, as Supabase requires). */
export function createJwtKit(secret: string): JwtKit {
  const key = new TextEncoder().encode(secret);
  const nowSeconds = () => Math.floor(Date.now() / 1000) + kit.skewSeconds;
  const check = async (token: string): Promise<VerifiedClaims | string> => {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: new Date(nowSeconds() * 1000) });
      return typeof payload['role'] === 'string' ? (payload as VerifiedClaims) : 'the token has no role claim';
    } catch (error) {
      return error instanceof Error ? error.message : 'invalid token';
    }
  };
  const kit: JwtKit = {
    skewSeconds: 0,
    sign: (claims, ttlSeconds) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt(nowSeconds())
        .setExpirationTime(nowSeconds() + ttlSeconds)
        .sign(key),
    verify: async (token) => {
      const result = await check(token);
      return typeof result === 'string' ? undefined : result;
    },
    refusal: async (token) => {
      const result = await check(token);
      return typeof result === 'string' ? result : undefined;
    },
  };
  return kit;
}

/** The bearer token of a request, if any. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
