-- exai shared catalog, part 6: operator functions that scale and narrow.
-- 1. exai_admin_list pages by key (created_at, id) instead of OFFSET: OFFSET re-reads and
--    discards every earlier row on each page, so 100k rows in 10k pages cost ~5x the rows;
--    a key continues where the last page ended. An index on (created_at, id) serves it.
--    p_offset stays (ignored once a key is given) so an older client keeps working.
-- 2. exai_admin_purge_failed and the user's exai_purge_failed take p_provider: `gc --provider
--    kimi` must purge only kimi's failed rows (the client purged nothing rather than too much).
-- Applied migrations are never edited: both functions are dropped and created again here.

CREATE INDEX files_created_id ON public.files (created_at, id);

DROP FUNCTION public.exai_admin_list(uuid, text, timestamptz, integer, integer);

-- admin_list: rows across users for gc, oldest first, filtered, paged by (created_at, id).
CREATE FUNCTION public.exai_admin_list(
  p_user_id uuid DEFAULT NULL, p_status text DEFAULT NULL, p_updated_before timestamptz DEFAULT NULL,
  p_limit integer DEFAULT 1000, p_offset integer DEFAULT 0,
  p_after_created_at timestamptz DEFAULT NULL, p_after_id uuid DEFAULT NULL, p_provider text DEFAULT NULL
) RETURNS SETOF public.files
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  n integer := least(greatest(coalesce(p_limit, 1000), 0), 10000);
BEGIN
  IF (p_after_created_at IS NULL) <> (p_after_id IS NULL) THEN
    RAISE EXCEPTION 'p_after_created_at and p_after_id are given together' USING ERRCODE = '22023';
  END IF;
  IF p_after_created_at IS NULL THEN
    RETURN QUERY SELECT * FROM public.files f
      WHERE (p_user_id IS NULL OR f.user_id = p_user_id) AND (p_status IS NULL OR f.status = p_status)
        AND (p_provider IS NULL OR f.provider = p_provider)
        AND (p_updated_before IS NULL OR f.updated_at < p_updated_before)
      ORDER BY f.created_at, f.id LIMIT n OFFSET greatest(coalesce(p_offset, 0), 0);
  ELSE
    -- A row comparison the (created_at, id) index answers as a range: each page starts where
    -- the last one ended, whatever the page number.
    RETURN QUERY SELECT * FROM public.files f
      WHERE (f.created_at, f.id) > (p_after_created_at, p_after_id)
        AND (p_user_id IS NULL OR f.user_id = p_user_id) AND (p_status IS NULL OR f.status = p_status)
        AND (p_provider IS NULL OR f.provider = p_provider)
        AND (p_updated_before IS NULL OR f.updated_at < p_updated_before)
      ORDER BY f.created_at, f.id LIMIT n;
  END IF;
END
$$;

DROP FUNCTION public.exai_admin_purge_failed(timestamptz, uuid);

-- admin_purge_failed: remove failed rows last updated before p_before (one user or all; one
-- provider or all).
CREATE FUNCTION public.exai_admin_purge_failed(p_before timestamptz, p_user_id uuid DEFAULT NULL, p_provider text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  n bigint;
BEGIN
  IF p_before IS NULL THEN
    RAISE EXCEPTION 'p_before is required' USING ERRCODE = '22023';
  END IF;
  -- Failed rows hold no bytes, so no quota row is touched and none needs locking.
  DELETE FROM public.files
   WHERE status = 'failed' AND updated_at < p_before
     AND (p_user_id IS NULL OR user_id = p_user_id) AND (p_provider IS NULL OR provider = p_provider);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

DROP FUNCTION public.exai_purge_failed(timestamptz);

-- purge_failed: the caller's failed rows last updated before p_before (one provider or all).
CREATE FUNCTION public.exai_purge_failed(p_before timestamptz, p_provider text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  uid uuid := exai_private.require_uid();
  n bigint;
BEGIN
  PERFORM exai_private.lock_quota(uid);
  DELETE FROM public.files
   WHERE user_id = uid AND status = 'failed' AND updated_at < p_before AND (p_provider IS NULL OR provider = p_provider);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

REVOKE ALL ON FUNCTION public.exai_purge_failed(timestamptz, text) FROM public, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.exai_purge_failed(timestamptz, text) TO authenticated;

DO $$
DECLARE
  fn regprocedure;
BEGIN
  FOR fn IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.proname IN ('exai_admin_list', 'exai_admin_purge_failed')
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM public, anon, authenticated, service_role', fn);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO service_role', fn);
  END LOOP;
END $$;
