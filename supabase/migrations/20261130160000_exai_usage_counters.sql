-- exai shared catalog, part 8: quota accounting that stays O(1) as a user's rows grow.
-- used_bytes was already a running total kept by exai_private.track_usage(); what still read
-- every row of the user was exai_usage()'s file counts, and exai_claim()'s reconciliation of
-- expired leases walked the lease index of ALL users. Applied migrations are never edited:
-- the trigger function and exai_usage() are replaced here.

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
