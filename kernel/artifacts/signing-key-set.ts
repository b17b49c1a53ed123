import { z } from 'zod';

/**
 * `signing_keys.json`: the trusted approval signing keys (ByteOr's trusted key set).
 * `{"keys":[{"kid","alg":"ed25519","public_key":<base64url of the raw 32-byte key>,"status"}]}`.
 * Several keys may be `active` at once (rotation); a `retired` key is kept for the record but no
 * longer verifies anything. `kid`s are unique.
 */
export const SigningKeyStatus = z.enum(['active', 'retired']);

export const SigningKey = z.object({
  kid: z.string().min(1),
  alg: z.literal('ed25519'),
  public_key: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be the base64url (no padding) encoding of a raw 32-byte Ed25519 public key'),
  status: SigningKeyStatus,
});
export type SigningKey = z.infer<typeof SigningKey>;

export const SigningKeySet = z
  .object({
    keys: z.array(SigningKey),
  })
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.keys.forEach((k, i) => {
      if (seen.has(k.kid))
        ctx.addIssue({ code: 'custom', message: `kid "${k.kid}" appears more than once`, path: ['keys', i, 'kid'] });
      seen.add(k.kid);
    });
  });
export type SigningKeySet = z.infer<typeof SigningKeySet>;
