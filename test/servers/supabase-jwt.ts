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
}

/** A kit for `secret` (at least 32 characters, as Supabase requires). */
export function createJwtKit(secret: string): JwtKit {
  const key = new TextEncoder().encode(secret);
  return {
    sign: (claims, ttlSeconds) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(key),
    verify: async (token) => {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        return typeof payload['role'] === 'string' ? (payload as VerifiedClaims) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** The bearer token of a request, if any. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
