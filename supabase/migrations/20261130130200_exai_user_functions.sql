-- exai shared catalog, part 3: the functions a signed-in user calls with supabase.rpc().
-- SECURITY DEFINER with an empty search_path (every name qualified), so they write tables the
-- caller cannot; each acts only on auth.uid()'s rows, whatever the arguments say. Times are
-- the server's clock (now()), never a client's: machines with skewed clocks share leases.

-- claim: in ONE transaction, under the user's quota row lock: reconcile the user's expired
-- leases; return an active row on the key (dedup hit); keep pending and real claims of one
-- size apart; refuse a file over max_file_size (EXQ02) or over the quota (EXQ01); insert an
-- uploading row with a lease and a fresh lock generation.
-- Returns {"kind": "claimed"|"active"|"busy"|"size-taken", "record": files row,
--          "abandoned": files row or null}.
CREATE FUNCTION public.exai_claim(
  p_provider text, p_purpose text, p_sha256 text, p_size_bytes bigint,
  p_mime_type text, p_original_name text, p_lease_ms bigint
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
  q public.user_quotas;
  live public.files;
  created public.files;
  pending boolean;
BEGIN
  PERFORM exai_private.check_claim_args(p_size_bytes, p_lease_ms);
  p_sha256 := lower(p_sha256);
  pending := p_sha256 LIKE 'pending:%';
  q := exai_private.lock_quota(uid);
  PERFORM exai_private.expire_leases(uid);

  SELECT * INTO live FROM public.files
   WHERE user_id = uid AND provider = p_provider AND purpose = p_purpose AND sha256 = p_sha256
     AND status IN ('uploading', 'active');
  IF FOUND AND live.status = 'active' THEN
    RETURN jsonb_build_object('kind', 'active', 'record', to_jsonb(live), 'abandoned', NULL);
  END IF;
  IF FOUND THEN  -- a live lease: every expired one was just reconciled
    RETURN jsonb_build_object('kind', 'busy', 'record', to_jsonb(live), 'abandoned', NULL);
  END IF;

  -- A pending claim may be a duplicate of any live row of its size (and vice versa).
  SELECT * INTO live FROM public.files
   WHERE user_id = uid AND provider = p_provider AND purpose = p_purpose AND size_bytes = p_size_bytes
     AND status IN ('uploading', 'active') AND (pending OR sha256 LIKE 'pending:%')
   ORDER BY created_at LIMIT 1;
  IF FOUND THEN
    RETURN jsonb_build_object('kind', CASE WHEN pending THEN 'size-taken' ELSE 'busy' END,
                              'record', to_jsonb(live), 'abandoned', NULL);
  END IF;

  IF p_size_bytes > q.max_file_size THEN
    RAISE EXCEPTION 'file too large: % bytes, the limit for this account is % bytes', p_size_bytes, q.max_file_size
      USING ERRCODE = 'EXQ02',
            DETAIL = json_build_object('size_bytes', p_size_bytes, 'max_file_size', q.max_file_size)::text,
            HINT = 'an operator can raise max_file_size in user_quotas';
  END IF;
  -- Re-read: reconciling above released bytes through the usage trigger.
  SELECT * INTO STRICT q FROM public.user_quotas WHERE user_id = uid;
  IF q.used_bytes + p_size_bytes > q.quota_bytes THEN
    RAISE EXCEPTION 'quota exceeded: % of % bytes used, this file needs %', q.used_bytes, q.quota_bytes, p_size_bytes
      USING ERRCODE = 'EXQ01',
            DETAIL = json_build_object('used_bytes', q.used_bytes, 'quota_bytes', q.quota_bytes,
                                       'needed_bytes', p_size_bytes)::text,
            HINT = 'free space with `exai rm <id>` (see `exai ls`), or ask an operator to raise the quota';
  END IF;

  INSERT INTO public.files (user_id, provider, purpose, sha256, size_bytes, mime_type, original_name,
                            status, lease_expires_at, lock_generation)
  VALUES (uid, p_provider, p_purpose, p_sha256, p_size_bytes, p_mime_type, p_original_name,
          'uploading', now() + p_lease_ms * interval '1 millisecond',
          nextval('public.files_lock_generation_seq'))
  RETURNING * INTO created;
  RETURN jsonb_build_object('kind', 'claimed', 'record', to_jsonb(created),
    'abandoned', (SELECT to_jsonb(a) FROM exai_private.find_abandoned(uid, p_provider, p_purpose, p_sha256) a
                   WHERE a.id IS NOT NULL));
END
$$;

-- complete: uploading -> active, as a compare-and-set on (id, lock_generation) when a
-- generation is given. p_sha256 replaces a pending placeholder with the real hash.
CREATE FUNCTION public.exai_complete(
  p_id uuid, p_provider_file_id text, p_lock_generation bigint DEFAULT NULL,
  p_storage_path text DEFAULT NULL, p_sha256 text DEFAULT NULL
) RETURNS public.files
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
  f public.files;
BEGIN
  PERFORM exai_private.lock_quota(uid);
  UPDATE public.files
     SET status = 'active', provider_file_id = p_provider_file_id, storage_path = p_storage_path,
         sha256 = coalesce(lower(p_sha256), sha256), lease_expires_at = NULL, error = NULL, updated_at = now()
   WHERE id = p_id AND user_id = uid AND status = 'uploading'
     AND (p_lock_generation IS NULL OR lock_generation = p_lock_generation)
     -- Only a placeholder may be replaced: a row never changes which content it records.
     AND (p_sha256 IS NULL OR lower(p_sha256) = sha256 OR sha256 LIKE 'pending:%')
  RETURNING * INTO f;
  IF FOUND THEN
    RETURN f;
  END IF;
  IF p_sha256 IS NOT NULL AND EXISTS (SELECT 1 FROM public.files WHERE id = p_id AND user_id = uid
       AND status = 'uploading' AND sha256 NOT LIKE 'pending:%' AND sha256 <> lower(p_sha256)) THEN
    RAISE EXCEPTION 'claim % records another content hash', p_id USING ERRCODE = '22023';
  END IF;
  PERFORM exai_private.raise_not_writable(uid, p_id, p_lock_generation, 'complete');
  RETURN NULL;
EXCEPTION WHEN unique_violation THEN
  -- Only a pending hash can collide: the same content finished under another claim first.
  RAISE EXCEPTION 'claim %: the same content was recorded by another upload while this one ran', p_id
    USING ERRCODE = 'EXD01', HINT = format('provider file %s is a duplicate that `exai gc` removes', p_provider_file_id);
END
$$;

-- fail: uploading -> failed, bytes released. Without a generation, failing a row that is no
-- longer uploading is a no-op (error paths call it); with one, it is a CAS (EXL01).
CREATE FUNCTION public.exai_fail(p_id uuid, p_error text, p_lock_generation bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
BEGIN
  PERFORM exai_private.lock_quota(uid);
  UPDATE public.files
     SET status = 'failed', error = left(coalesce(p_error, 'failed'), 2000), lease_expires_at = NULL, updated_at = now()
   WHERE id = p_id AND user_id = uid AND status = 'uploading'
     AND (p_lock_generation IS NULL OR lock_generation = p_lock_generation);
  IF FOUND THEN
    RETURN;
  END IF;
  IF p_lock_generation IS NULL AND EXISTS (SELECT 1 FROM public.files WHERE id = p_id AND user_id = uid) THEN
    RETURN;
  END IF;
  PERFORM exai_private.raise_not_writable(uid, p_id, p_lock_generation, 'fail');
END
$$;

-- renew_lease: push an uploading row's lease to now() + p_lease_ms; returns the new expiry.
CREATE FUNCTION public.exai_renew_lease(p_id uuid, p_lease_ms bigint, p_lock_generation bigint DEFAULT NULL)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
  expires timestamptz;
BEGIN
  PERFORM exai_private.check_claim_args(0, p_lease_ms);
  UPDATE public.files
     SET lease_expires_at = now() + p_lease_ms * interval '1 millisecond', updated_at = now()
   WHERE id = p_id AND user_id = uid AND status = 'uploading'
     AND (p_lock_generation IS NULL OR lock_generation = p_lock_generation)
  RETURNING lease_expires_at INTO expires;
  IF NOT FOUND THEN
    PERFORM exai_private.raise_not_writable(uid, p_id, p_lock_generation, 'renew the lease of');
  END IF;
  RETURN expires;
END
$$;

-- mark_deleted: soft delete one of the caller's rows; its bytes are given back.
CREATE FUNCTION public.exai_mark_deleted(p_id uuid, p_reason text DEFAULT 'user') RETURNS public.files
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
BEGIN
  PERFORM exai_private.lock_quota(uid);
  RETURN exai_private.soft_delete(uid, p_id, p_reason);
END
$$;

-- reconcile_expired: the caller's expired uploading rows -> failed; returns them.
CREATE FUNCTION public.exai_reconcile_expired() RETURNS SETOF public.files
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
BEGIN
  PERFORM exai_private.lock_quota(uid);
  RETURN QUERY SELECT * FROM exai_private.expire_leases(uid);
END
$$;

-- usage: the caller's quota after reconciling expired leases (so a crash never shows as used).
CREATE FUNCTION public.exai_usage() RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
  q public.user_quotas;
  reconciled bigint;
BEGIN
  q := exai_private.lock_quota(uid);
  SELECT count(*) INTO reconciled FROM exai_private.expire_leases(uid);
  SELECT * INTO STRICT q FROM public.user_quotas WHERE user_id = uid;
  RETURN jsonb_build_object(
    'user_id', uid, 'used_bytes', q.used_bytes, 'quota_bytes', q.quota_bytes, 'max_file_size', q.max_file_size,
    'active_files', (SELECT count(*) FROM public.files WHERE user_id = uid AND status = 'active'),
    'uploading_files', (SELECT count(*) FROM public.files WHERE user_id = uid AND status = 'uploading'),
    'reconciled', reconciled);
END
$$;

-- purge_failed: remove the caller's failed rows last updated before p_before (gc).
CREATE FUNCTION public.exai_purge_failed(p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
  n bigint;
BEGIN
  PERFORM exai_private.lock_quota(uid);
  DELETE FROM public.files WHERE user_id = uid AND status = 'failed' AND updated_at < p_before;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- list: the caller's rows, newest first, after reconciling expired leases (so a crashed
-- upload shows as failed). NULL filters match everything; p_limit is capped at 10000.
CREATE FUNCTION public.exai_list(
  p_provider text DEFAULT NULL, p_status text DEFAULT NULL, p_since timestamptz DEFAULT NULL, p_limit integer DEFAULT NULL
) RETURNS SETOF public.files
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
BEGIN
  PERFORM exai_private.lock_quota(uid);
  PERFORM exai_private.expire_leases(uid);
  RETURN QUERY SELECT * FROM public.files
   WHERE user_id = uid AND (p_provider IS NULL OR provider = p_provider) AND (p_status IS NULL OR status = p_status)
     AND (p_since IS NULL OR created_at >= p_since)
   ORDER BY created_at DESC, lock_generation DESC NULLS LAST, id
   LIMIT least(greatest(coalesce(p_limit, 10000), 0), 10000);
END
$$;

-- find_by_ref: the caller's rows (not deleted) whose provider id or id equals p_ref, or whose
-- sha256 starts with p_ref (hex only, so a ref is never a LIKE pattern), newest first.
CREATE FUNCTION public.exai_find_by_ref(p_ref text) RETURNS SETOF public.files
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT * FROM public.files
   WHERE user_id = exai_private.require_uid() AND status <> 'deleted'
     AND (provider_file_id = p_ref OR id::text = lower(p_ref)
          OR (p_ref ~ '^[0-9A-Fa-f]{1,64}$' AND sha256 LIKE lower(p_ref) || '%'))
   ORDER BY created_at DESC, lock_generation DESC NULLS LAST, id
$$;

-- Supabase grants EXECUTE on new public functions to anon (and PostgreSQL to PUBLIC):
-- only signed-in users may call these.
DO $$
DECLARE
  fn regprocedure;
BEGIN
  FOR fn IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.proname IN ('exai_claim', 'exai_complete', 'exai_fail',
               'exai_renew_lease', 'exai_mark_deleted', 'exai_reconcile_expired', 'exai_usage', 'exai_purge_failed',
               'exai_list', 'exai_find_by_ref')
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM public, anon, authenticated, service_role', fn);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO authenticated', fn);
  END LOOP;
END $$;
