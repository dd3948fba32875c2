-- exai shared catalog, part 8: quota accounting that stays O(1) as a user's rows grow.
-- used_bytes was already a running total kept by exai_private.track_usage(); what still read
-- every row of the user was exai_usage()'s file counts, exai_claim()'s size query (its cached
-- generic plan walked the user's rows by created_at: 20 ms a claim at 100k rows) and its
-- reconciliation of expired leases (the lease index of ALL users). Applied migrations are
-- never edited: the trigger function, exai_claim() and exai_usage() are replaced here.

-- Counts of the user's live rows, kept next to used_bytes by the same trigger.
ALTER TABLE public.user_quotas
  ADD COLUMN active_files bigint NOT NULL DEFAULT 0 CHECK (active_files >= 0),
  ADD COLUMN uploading_files bigint NOT NULL DEFAULT 0 CHECK (uploading_files >= 0);

-- Counts and bytes, delta by delta. Like before, callers lock the quota row first.
CREATE OR REPLACE FUNCTION exai_private.track_usage() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  d_bytes bigint := 0;
  d_active bigint := 0;
  d_uploading bigint := 0;
  uid uuid;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('uploading', 'active') THEN
    d_bytes := d_bytes - OLD.size_bytes;
    d_active := d_active - (OLD.status = 'active')::int;
    d_uploading := d_uploading - (OLD.status = 'uploading')::int;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('uploading', 'active') THEN
    d_bytes := d_bytes + NEW.size_bytes;
    d_active := d_active + (NEW.status = 'active')::int;
    d_uploading := d_uploading + (NEW.status = 'uploading')::int;
  END IF;
  uid := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
  IF d_bytes <> 0 OR d_active <> 0 OR d_uploading <> 0 THEN
    INSERT INTO public.user_quotas AS q (user_id, used_bytes, active_files, uploading_files)
    VALUES (uid, greatest(d_bytes, 0), greatest(d_active, 0), greatest(d_uploading, 0))
    ON CONFLICT (user_id) DO UPDATE SET used_bytes = q.used_bytes + d_bytes, active_files = q.active_files + d_active,
      uploading_files = q.uploading_files + d_uploading, updated_at = now();
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION exai_private.track_usage() FROM public;

-- Fill the new counts, and recount used_bytes with them (a no-op unless it had drifted,
-- e.g. rows changed while the trigger was disabled by hand).
UPDATE public.user_quotas q
   SET used_bytes = t.bytes, active_files = t.active, uploading_files = t.uploading
  FROM (SELECT u.user_id,
               coalesce(sum(f.size_bytes) FILTER (WHERE f.status IN ('uploading', 'active')), 0) AS bytes,
               count(*) FILTER (WHERE f.status = 'active') AS active,
               count(*) FILTER (WHERE f.status = 'uploading') AS uploading
          FROM public.user_quotas u LEFT JOIN public.files f ON f.user_id = u.user_id
         GROUP BY u.user_id) t
 WHERE q.user_id = t.user_id
   AND (q.used_bytes, q.active_files, q.uploading_files) IS DISTINCT FROM (t.bytes, t.active, t.uploading);

-- One user's uploading rows by lease: exai_private.expire_leases(uid) on every claim and
-- usage read no longer walks other users' expired claims.
CREATE INDEX files_user_uploading_lease ON public.files (user_id, lease_expires_at) WHERE status = 'uploading';

-- Live rows of one size in claim order (a pending claim's duplicates), and the few pending
-- ones among them (a hashed claim's); the first replaces files_user_size_live (a prefix of it).
CREATE INDEX files_user_size_live_created ON public.files (user_id, size_bytes, created_at)
  WHERE status IN ('uploading', 'active');
CREATE INDEX files_user_size_pending ON public.files (user_id, size_bytes, created_at)
  WHERE status IN ('uploading', 'active') AND sha256 LIKE 'pending:%';
DROP INDEX public.files_user_size_live;

-- claim: as in part 3; only the size query changed (see there).
CREATE OR REPLACE FUNCTION public.exai_claim(
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

  -- A pending claim may be a duplicate of any live row of its size (and vice versa). Two
  -- queries, each matching one partial index: a cached generic plan of the old single query
  -- ("pending OR sha256 LIKE ...") walked all of the user's rows by created_at.
  IF pending THEN
    SELECT * INTO live FROM public.files
     WHERE user_id = uid AND size_bytes = p_size_bytes AND status IN ('uploading', 'active')
       AND provider = p_provider AND purpose = p_purpose
     ORDER BY created_at LIMIT 1;
  ELSE
    SELECT * INTO live FROM public.files
     WHERE user_id = uid AND size_bytes = p_size_bytes AND status IN ('uploading', 'active')
       AND sha256 LIKE 'pending:%' AND provider = p_provider AND purpose = p_purpose
     ORDER BY created_at LIMIT 1;
  END IF;
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

-- usage: as before, with the counts read from the quota row instead of counted.
CREATE OR REPLACE FUNCTION public.exai_usage() RETURNS jsonb
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
    'active_files', q.active_files, 'uploading_files', q.uploading_files, 'reconciled', reconciled);
END
$$;
