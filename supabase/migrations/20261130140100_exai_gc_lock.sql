-- exai shared catalog, part 7: one gc at a time per scope, across machines.
-- A lockfile fences gc runs on one machine only; two CI runners against one project need the
-- lock in the database. It is a lease row, not an advisory lock: PostgREST runs each call in
-- its own transaction on a pooled connection, so a session lock would not outlive the call.
-- The holder renews the lease while it runs; a holder killed -9 stops renewing and the next
-- gc takes the row over once the lease has run out. Each acquisition takes a fresh generation
-- from a sequence (the fencing token): renew and release must present it (EXL01 otherwise).
-- The scope is decided here, never by the caller: the service role's gc (every user) shares
-- one scope; a user's gc has their own, so no user can hold up another's gc or the operator's.

CREATE TABLE exai_private.gc_locks (
  scope text PRIMARY KEY,
  generation bigint NOT NULL,
  -- Who holds it, for "another gc is running: pid … on host …" (small, client-supplied).
  holder jsonb NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE SEQUENCE exai_private.gc_lock_generation;

-- The caller's scope: every user's rows for the service role, else the signed-in user's.
CREATE FUNCTION exai_private.gc_scope() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
BEGIN
  IF auth.role() = 'service_role' THEN
    RETURN 'all-users';
  END IF;
  RETURN 'user:' || exai_private.require_uid()::text;
END
$$;

-- Lease length: at least 1 s, at most 1 h (a lease longer than that would block a crash's
-- successor for too long).
CREATE FUNCTION exai_private.gc_lease(p_lease_ms integer) RETURNS interval
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
  SELECT make_interval(secs => least(greatest(coalesce(p_lease_ms, 60000), 1000), 3600000) / 1000.0)
$$;

-- gc_lock_acquire: take the scope's gc lock unless a live lease holds it. Returns
-- {acquired: true, generation, expires_at, took_over} or {acquired: false, holder, since, expires_at}.
CREATE FUNCTION public.exai_gc_lock_acquire(p_holder jsonb, p_lease_ms integer DEFAULT 60000) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s text := exai_private.gc_scope();
  before exai_private.gc_locks;
  got exai_private.gc_locks;
BEGIN
  IF p_holder IS NULL OR jsonb_typeof(p_holder) <> 'object' OR length(p_holder::text) > 1024 THEN
    RAISE EXCEPTION 'p_holder must be a JSON object of at most 1024 characters' USING ERRCODE = '22023';
  END IF;
  SELECT * INTO before FROM exai_private.gc_locks WHERE scope = s;
  -- The WHERE is judged on the latest committed row: of two racing callers only one wins.
  INSERT INTO exai_private.gc_locks AS l (scope, generation, holder, acquired_at, expires_at)
  VALUES (s, nextval('exai_private.gc_lock_generation'), p_holder, clock_timestamp(), clock_timestamp() + exai_private.gc_lease(p_lease_ms))
  ON CONFLICT (scope) DO UPDATE
    SET generation = EXCLUDED.generation, holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
    WHERE l.expires_at <= clock_timestamp()
  RETURNING * INTO got;
  IF got.scope IS NOT NULL THEN
    RETURN jsonb_build_object('acquired', true, 'generation', got.generation, 'expires_at', got.expires_at, 'took_over', before.scope IS NOT NULL);
  END IF;
  SELECT * INTO before FROM exai_private.gc_locks WHERE scope = s;
  RETURN jsonb_build_object('acquired', false, 'holder', before.holder, 'since', before.acquired_at, 'expires_at', before.expires_at);
END
$$;

-- gc_lock_renew: push the lease forward; EXL01 when the lock is no longer this generation's.
CREATE FUNCTION public.exai_gc_lock_renew(p_generation bigint, p_lease_ms integer DEFAULT 60000) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s text := exai_private.gc_scope();
  until timestamptz;
BEGIN
  UPDATE exai_private.gc_locks SET expires_at = clock_timestamp() + exai_private.gc_lease(p_lease_ms)
   WHERE scope = s AND generation = p_generation AND expires_at > clock_timestamp()
  RETURNING expires_at INTO until;
  IF until IS NULL THEN
    RAISE EXCEPTION 'the gc lock is no longer held by generation %', p_generation USING ERRCODE = 'EXL01',
      HINT = 'its lease ran out and another gc may have taken over: stop and run gc again';
  END IF;
  RETURN until;
END
$$;

-- gc_lock_release: drop the lock if this generation still holds it; false when it did not.
CREATE FUNCTION public.exai_gc_lock_release(p_generation bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s text := exai_private.gc_scope();
BEGIN
  DELETE FROM exai_private.gc_locks WHERE scope = s AND generation = p_generation;
  RETURN FOUND;
END
$$;

DO $$
DECLARE
  fn regprocedure;
BEGIN
  FOR fn IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.proname LIKE 'exai\_gc\_lock\_%'
  LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM public, anon, authenticated, service_role', fn);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO authenticated, service_role', fn);
  END LOOP;
END $$;

REVOKE ALL ON FUNCTION exai_private.gc_scope(), exai_private.gc_lease(integer) FROM public;
REVOKE ALL ON exai_private.gc_locks FROM public, anon, authenticated, service_role;
REVOKE ALL ON SEQUENCE exai_private.gc_lock_generation FROM public, anon, authenticated, service_role;
