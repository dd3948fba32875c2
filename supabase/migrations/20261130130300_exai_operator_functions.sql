-- exai shared catalog, part 4: operator functions (gc across all users, quotas), callable
-- by service_role only — the secret/service key an operator holds, never a user session.
-- They lock quota rows in user_id order, so they cannot deadlock with user calls or each other.

-- admin_list: rows across users for gc, oldest first, filtered and paged.
CREATE FUNCTION public.exai_admin_list(
  p_user_id uuid DEFAULT NULL, p_status text DEFAULT NULL, p_updated_before timestamptz DEFAULT NULL,
  p_limit integer DEFAULT 1000, p_offset integer DEFAULT 0
) RETURNS SETOF public.files
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT * FROM public.files
   WHERE (p_user_id IS NULL OR user_id = p_user_id)
     AND (p_status IS NULL OR status = p_status)
     AND (p_updated_before IS NULL OR updated_at < p_updated_before)
   ORDER BY created_at, id
   LIMIT least(greatest(coalesce(p_limit, 1000), 0), 10000) OFFSET greatest(coalesce(p_offset, 0), 0)
$$;

-- admin_reconcile_expired: every user's expired uploading rows -> failed; returns them.
CREATE FUNCTION public.exai_admin_reconcile_expired() RETURNS SETOF public.files
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid;
BEGIN
  FOR uid IN SELECT DISTINCT user_id FROM public.files
              WHERE status = 'uploading' AND lease_expires_at <= now() ORDER BY user_id
  LOOP
    PERFORM exai_private.lock_quota(uid);
    RETURN QUERY SELECT * FROM exai_private.expire_leases(uid);
  END LOOP;
END
$$;

-- admin_purge_failed: remove failed rows last updated before p_before (one user or all).
CREATE FUNCTION public.exai_admin_purge_failed(p_before timestamptz, p_user_id uuid DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  n bigint;
BEGIN
  IF p_before IS NULL THEN
    RAISE EXCEPTION 'p_before is required' USING ERRCODE = '22023';
  END IF;
  -- Failed rows hold no bytes, so no quota row is touched and none needs locking.
  DELETE FROM public.files
   WHERE status = 'failed' AND updated_at < p_before AND (p_user_id IS NULL OR user_id = p_user_id);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- admin_mark_deleted: soft delete any user's row (gc retention / orphans).
CREATE FUNCTION public.exai_admin_mark_deleted(p_id uuid, p_reason text) RETURNS public.files
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid;
BEGIN
  SELECT user_id INTO uid FROM public.files WHERE id = p_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no catalog entry with id %', p_id USING ERRCODE = 'EXN01';
  END IF;
  PERFORM exai_private.lock_quota(uid);
  RETURN exai_private.soft_delete(uid, p_id, p_reason);
END
$$;

-- admin_set_quota: the only way to change a user's limits (NULL keeps a value).
CREATE FUNCTION public.exai_admin_set_quota(p_user_id uuid, p_quota_bytes bigint DEFAULT NULL, p_max_file_size bigint DEFAULT NULL)
RETURNS public.user_quotas
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  q public.user_quotas;
BEGIN
  PERFORM exai_private.lock_quota(p_user_id);
  UPDATE public.user_quotas
     SET quota_bytes = coalesce(p_quota_bytes, quota_bytes), max_file_size = coalesce(p_max_file_size, max_file_size),
         updated_at = now()
   WHERE user_id = p_user_id
  RETURNING * INTO q;
  RETURN q;
END
$$;

DO $$
DECLARE
  fn regprocedure;
BEGIN
  FOR fn IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.proname LIKE 'exai\_admin\_%'
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM public, anon, authenticated, service_role', fn);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO service_role', fn);
  END LOOP;
END $$;
