-- exai shared catalog, part 8: the gc lock seen and cleared by hand.
-- A gc killed -9 leaves its lease row until the lease runs out (up to an hour): an operator
-- who knows the holder is dead must be able to clear it now (`exai unlock exai_gc_lock`), and
-- `exai doctor` must be able to say who holds it and whether its lease is still live. Both act
-- on the caller's scope only, decided by exai_private.gc_scope() exactly as acquire does: the
-- service role's (every user), or the signed-in user's own. Nobody clears someone else's lock.

-- gc_lock_status: {held: false} or {held: true, generation, holder, since, expires_at, live}.
CREATE FUNCTION public.exai_gc_lock_status() RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s text := exai_private.gc_scope();
  l exai_private.gc_locks;
BEGIN
  SELECT * INTO l FROM exai_private.gc_locks WHERE scope = s;
  IF l.scope IS NULL THEN
    RETURN jsonb_build_object('held', false);
  END IF;
  RETURN jsonb_build_object('held', true, 'generation', l.generation, 'holder', l.holder, 'since', l.acquired_at,
    'expires_at', l.expires_at, 'live', l.expires_at > clock_timestamp());
END
$$;

-- gc_lock_clear: drop the scope's lock when its lease ran out, or also a live one with p_force.
-- p_generation, when given, must still be the holder's: the lock the operator was shown and
-- confirmed, not one a new gc took in between. Returns {cleared, held, live, generation,
-- holder, since, expires_at}: what was removed, or what is still there and why it was kept.
CREATE FUNCTION public.exai_gc_lock_clear(p_generation bigint DEFAULT NULL, p_force boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s text := exai_private.gc_scope();
  l exai_private.gc_locks;
  done boolean;
BEGIN
  DELETE FROM exai_private.gc_locks
   WHERE scope = s AND (p_generation IS NULL OR generation = p_generation)
     AND (coalesce(p_force, false) OR expires_at <= clock_timestamp())
  RETURNING * INTO l;
  done := l.scope IS NOT NULL;
  IF NOT done THEN
    SELECT * INTO l FROM exai_private.gc_locks WHERE scope = s;
  END IF;
  RETURN jsonb_build_object('cleared', done, 'held', NOT done AND l.scope IS NOT NULL, 'live', l.expires_at > clock_timestamp(),
    'generation', l.generation, 'holder', l.holder, 'since', l.acquired_at, 'expires_at', l.expires_at);
END
$$;

REVOKE ALL ON FUNCTION public.exai_gc_lock_status(), public.exai_gc_lock_clear(bigint, boolean) FROM public, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.exai_gc_lock_status(), public.exai_gc_lock_clear(bigint, boolean) TO authenticated, service_role;
