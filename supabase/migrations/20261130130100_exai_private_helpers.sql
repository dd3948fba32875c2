-- exai shared catalog, part 2: internal helpers (schema exai_private, never exposed).
-- Every function that changes public.files locks the user's quota row FIRST, so all writes
-- for one user queue on one row lock and can never deadlock against each other.

-- The caller's user id from the verified JWT; refuses a request that has none.
CREATE FUNCTION exai_private.require_uid() RETURNS uuid
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
  uid uuid := auth.uid();
BEGIN
  IF uid IS NULL THEN
    RAISE EXCEPTION 'not authenticated: this function needs a user session' USING ERRCODE = '42501';
  END IF;
  RETURN uid;
END
$$;

-- Create the user's quota row on first use and lock it for the rest of the transaction.
CREATE FUNCTION exai_private.lock_quota(p_user_id uuid) RETURNS public.user_quotas
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  q public.user_quotas;
BEGIN
  INSERT INTO public.user_quotas (user_id) VALUES (p_user_id) ON CONFLICT (user_id) DO NOTHING;
  SELECT * INTO STRICT q FROM public.user_quotas WHERE user_id = p_user_id FOR UPDATE;
  RETURN q;
END
$$;

-- Error text left on a claim whose lease ran out (the SQLite catalog writes the same).
CREATE FUNCTION exai_private.lease_expired_error() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$ SELECT 'lease expired (crashed upload?)' $$;

-- Expired uploading rows of one user (all users when NULL) -> failed; their bytes are released
-- by the usage trigger. The caller holds the quota row lock of every user concerned.
CREATE FUNCTION exai_private.expire_leases(p_user_id uuid) RETURNS SETOF public.files
LANGUAGE sql SET search_path = '' AS $$
  UPDATE public.files
     SET status = 'failed', error = exai_private.lease_expired_error(), lease_expires_at = NULL, updated_at = now()
   WHERE status = 'uploading' AND lease_expires_at <= now()
     AND (p_user_id IS NULL OR user_id = p_user_id)
  RETURNING *
$$;

-- Raise the right error for a CAS write that matched no row: not found / lock lost.
CREATE FUNCTION exai_private.raise_not_writable(p_user_id uuid, p_id uuid, p_lock_generation bigint, p_action text)
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  f public.files;
BEGIN
  SELECT * INTO f FROM public.files WHERE id = p_id AND (p_user_id IS NULL OR user_id = p_user_id);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no catalog entry with id %', p_id USING ERRCODE = 'EXN01';
  END IF;
  RAISE EXCEPTION 'cannot %: claim % is no longer held (status %, generation %, expected %)',
      p_action, p_id, f.status, f.lock_generation, p_lock_generation
    USING ERRCODE = 'EXL01',
          DETAIL = json_build_object('status', f.status, 'lock_generation', f.lock_generation,
                                     'expected_generation', p_lock_generation)::text,
          HINT = 'another run took this claim over (its lease expired); do not write for it';
END
$$;

-- Validate the arguments of a claim; raises 22023 naming the bad one.
CREATE FUNCTION exai_private.check_claim_args(p_size_bytes bigint, p_lease_ms bigint) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
BEGIN
  IF p_size_bytes IS NULL OR p_size_bytes < 0 THEN
    RAISE EXCEPTION 'size_bytes must be >= 0 (got %)', p_size_bytes USING ERRCODE = '22023';
  END IF;
  IF p_lease_ms IS NULL OR p_lease_ms < 1 OR p_lease_ms > 86400000 THEN
    RAISE EXCEPTION 'lease_ms must be between 1 and 86400000 (got %)', p_lease_ms USING ERRCODE = '22023';
  END IF;
END
$$;

-- The most recent crashed/abandoned claim on a dedup key from the last 24 h that never got a
-- provider id: the upload path may adopt the provider file it left behind (contract.md §3).
CREATE FUNCTION exai_private.find_abandoned(p_user_id uuid, p_provider text, p_purpose text, p_sha256 text)
RETURNS public.files LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT * FROM public.files
   WHERE user_id = p_user_id AND provider = p_provider AND purpose = p_purpose AND sha256 = p_sha256
     AND status = 'failed' AND provider_file_id IS NULL
     AND (error LIKE 'lease expired%' OR error LIKE 'abandoned%')
     AND created_at >= now() - interval '24 hours'
   ORDER BY created_at DESC, lock_generation DESC NULLS LAST
   LIMIT 1
$$;

-- Soft delete one row (any status but deleted); the trigger gives its bytes back.
CREATE FUNCTION exai_private.soft_delete(p_user_id uuid, p_id uuid, p_reason text) RETURNS public.files
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  f public.files;
BEGIN
  IF p_reason IS NULL OR p_reason NOT IN ('user', 'retention', 'orphan') THEN
    RAISE EXCEPTION 'deletion reason must be user, retention or orphan (got %)', p_reason USING ERRCODE = '22023';
  END IF;
  UPDATE public.files
     SET status = 'deleted', deleted_at = now(), deletion_reason = p_reason, lease_expires_at = NULL, updated_at = now()
   WHERE id = p_id AND user_id = p_user_id AND status <> 'deleted'
  RETURNING * INTO f;
  IF FOUND THEN
    RETURN f;
  END IF;
  -- Deleting twice is fine: the first deletion's record is the answer.
  SELECT * INTO f FROM public.files WHERE id = p_id AND user_id = p_user_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no catalog entry with id %', p_id USING ERRCODE = 'EXN01';
  END IF;
  RETURN f;
END
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA exai_private FROM public;
