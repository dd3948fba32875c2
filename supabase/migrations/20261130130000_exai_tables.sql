-- exai shared catalog, part 1: tables, the usage trigger and row level security.
-- (DESIGN.md §5; the SQLite catalog in src/catalog/migrations.ts is the same record.)
--
-- Security model: a user READS only their own rows (RLS). NOBODY writes either table
-- directly — not even service_role, whose BYPASSRLS would otherwise let it: every write goes
-- through the SECURITY DEFINER functions of the next migrations, which take the caller's id
-- from auth.uid() (the verified JWT), never from an argument.

-- Internal helpers live in their own schema, which the Data API never exposes.
CREATE SCHEMA IF NOT EXISTS exai_private;
REVOKE ALL ON SCHEMA exai_private FROM public;

-- The fencing token (contract.md §1): one sequence for every claim, so a generation is
-- never reused whichever machine claims.
CREATE SEQUENCE public.files_lock_generation_seq AS bigint;

CREATE TABLE public.user_quotas (
  user_id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  quota_bytes bigint NOT NULL DEFAULT 10737418240 CHECK (quota_bytes >= 0),        -- 10 GiB
  -- Bytes held by the user's uploading + active rows; kept by the trigger below, never
  -- written by hand. May exceed quota_bytes only if an operator lowers the quota.
  used_bytes bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
  max_file_size bigint NOT NULL DEFAULT 536870912 CHECK (max_file_size > 0),       -- 512 MiB
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
  purpose text NOT NULL CHECK (purpose ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  -- Printable ASCII only: a provider id is shown in terminals and used in URLs.
  provider_file_id text CHECK (provider_file_id ~ '^[!-~]+$' AND length(provider_file_id) <= 256),
  -- A lowercase hex digest, or the placeholder of a claim hashed while it uploads.
  sha256 text NOT NULL CHECK (sha256 ~ '^([0-9a-f]{64}|pending:[A-Za-z0-9-]{1,64})$'),
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  mime_type text NOT NULL CHECK (length(mime_type) BETWEEN 1 AND 255 AND mime_type !~ '[[:cntrl:]]'),
  original_name text NOT NULL CHECK (length(original_name) BETWEEN 1 AND 4096),
  -- The archive object key inside bucket exai-files: always under the owner's folder, so a
  -- row can never point an operator's gc at another user's object.
  storage_path text CHECK (storage_path IS NULL OR (storage_path LIKE user_id::text || '/%' AND length(storage_path) <= 1024)),
  status text NOT NULL CHECK (status IN ('uploading', 'active', 'failed', 'deleted')),
  lease_expires_at timestamptz,
  lock_generation bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  deletion_reason text CHECK (deletion_reason IS NULL OR deletion_reason IN ('user', 'retention', 'orphan')),
  error text CHECK (error IS NULL OR length(error) <= 2000),
  CHECK (status <> 'uploading' OR (lease_expires_at IS NOT NULL AND lock_generation IS NOT NULL)),
  CHECK (status <> 'active' OR provider_file_id IS NOT NULL),
  CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
);

-- The dedup key: two racing claims (two machines) can never both hold a live row.
CREATE UNIQUE INDEX files_dedup_key ON public.files (user_id, provider, purpose, sha256)
  WHERE status IN ('uploading', 'active');
-- ls: a user's rows newest first.
CREATE INDEX files_user_created ON public.files (user_id, created_at DESC);
-- rm/findByRef: by provider id and by hash prefix.
CREATE INDEX files_user_provider_file_id ON public.files (user_id, provider_file_id);
CREATE INDEX files_user_sha256 ON public.files (user_id, sha256 text_pattern_ops);
-- Pending claims and liveOfSize: live rows of one size.
CREATE INDEX files_user_size_live ON public.files (user_id, size_bytes) WHERE status IN ('uploading', 'active');
-- Reconciliation of expired leases.
CREATE INDEX files_uploading_lease ON public.files (lease_expires_at) WHERE status = 'uploading';
-- gc: old rows by status.
CREATE INDEX files_status_updated ON public.files (status, updated_at);

-- used_bytes follows every change of a row's liveness, whatever function made it, so the
-- total is right by construction. Callers lock the user's quota row FIRST (see
-- exai_private.lock_quota), so this update never waits behind a files row lock.
CREATE FUNCTION exai_private.track_usage() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  delta bigint := 0;
  uid uuid;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('uploading', 'active') THEN
    delta := delta - OLD.size_bytes;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('uploading', 'active') THEN
    delta := delta + NEW.size_bytes;
  END IF;
  uid := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
  IF delta <> 0 THEN
    INSERT INTO public.user_quotas AS q (user_id, used_bytes) VALUES (uid, greatest(delta, 0))
    ON CONFLICT (user_id) DO UPDATE SET used_bytes = q.used_bytes + delta, updated_at = now();
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER files_track_usage AFTER INSERT OR UPDATE OR DELETE ON public.files
  FOR EACH ROW EXECUTE FUNCTION exai_private.track_usage();

-- Row level security: read your own rows; no policy grants any write.
ALTER TABLE public.files ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_quotas ENABLE ROW LEVEL SECURITY;

CREATE POLICY files_select_own ON public.files FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY user_quotas_select_own ON public.user_quotas FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));

-- RESTRICTIVE policies are AND-ed with every permissive one, so a later, careless policy
-- (say "USING (true)" added from the dashboard) still cannot show one user another's rows.
CREATE POLICY files_only_own ON public.files AS RESTRICTIVE FOR ALL TO public
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY user_quotas_only_own ON public.user_quotas AS RESTRICTIVE FOR ALL TO public
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));

-- Supabase's default privileges grant ALL on new public tables to anon, authenticated and
-- service_role: take that back, then give reads only to those who need them.
REVOKE ALL ON public.files, public.user_quotas FROM public, anon, authenticated, service_role;
REVOKE ALL ON SEQUENCE public.files_lock_generation_seq FROM public, anon, authenticated, service_role;
GRANT SELECT ON public.files, public.user_quotas TO authenticated, service_role;
REVOKE ALL ON FUNCTION exai_private.track_usage() FROM public;
