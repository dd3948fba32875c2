-- exai shared catalog, part 5: the archive bucket and who may touch its objects.
-- Object key: <user_id>/<sha256> (DESIGN.md §3). A user reads, writes and deletes only keys
-- under their own folder, and only keys of that exact shape; service_role bypasses RLS (gc).

-- Private bucket. The size limit matches user_quotas.max_file_size's default (the project's
-- global Storage limit still caps it). The MIME list is what exai validates and stores, minus
-- active content (HTML, SVG, XHTML, which exai archives as text/plain), plus
-- application/octet-stream, which a browser only ever downloads.
INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
VALUES ('exai-files', 'exai-files', false, 536870912, ARRAY[
  'application/octet-stream', 'application/pdf', 'application/json', 'application/jsonl', 'application/xml',
  'application/yaml', 'application/toml', 'application/epub+zip', 'application/msword', 'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'text/plain', 'text/markdown', 'text/csv', 'text/tab-separated-values', 'text/css', 'text/javascript',
  'text/x-c', 'text/x-c++', 'text/x-csharp', 'text/x-go', 'text/x-java', 'text/x-kotlin', 'text/x-lua',
  'text/x-perl', 'text/x-php', 'text/x-python', 'text/x-r', 'text/x-rst', 'text/x-ruby', 'text/x-rust',
  'text/x-scala', 'text/x-scss', 'text/x-shellscript', 'text/x-sql', 'text/x-swift', 'text/x-tex',
  'text/x-typescript',
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/tiff', 'image/avif',
  'audio/mpeg', 'audio/wav', 'video/mp4', 'video/quicktime', 'video/webm'
])
ON CONFLICT (id) DO UPDATE
  SET public = false, file_size_limit = EXCLUDED.file_size_limit, allowed_mime_types = EXCLUDED.allowed_mime_types;

-- Creating policies on storage.objects needs its owner's rights, which some hosted projects
-- no longer give the project's `postgres` role. Then the policies are skipped with a WARNING
-- (the rest of the catalog still installs) and the bucket stays closed to every user, since
-- RLS with no policy allows nothing: archive copies fail (exai says so) until an owner
-- creates the policies below, e.g. by running this file in the Dashboard's SQL editor.
DO $policies$
BEGIN
  -- The caller's own archive key is '<auth.uid()>/<64 hex>': the documented folder check plus
  -- the exact shape, so the bucket cannot be used as general storage.
  CREATE POLICY exai_files_select_own ON storage.objects FOR SELECT TO authenticated
    USING (bucket_id = 'exai-files' AND (storage.foldername(name))[1] = (SELECT auth.uid()::text) AND name ~ '^[0-9a-f-]{36}/[0-9a-f]{64}$');
  CREATE POLICY exai_files_insert_own ON storage.objects FOR INSERT TO authenticated
    WITH CHECK (bucket_id = 'exai-files' AND (storage.foldername(name))[1] = (SELECT auth.uid()::text) AND name ~ '^[0-9a-f-]{36}/[0-9a-f]{64}$');
  -- Upsert (x-upsert) needs select, insert and update; an update may not move an object out.
  CREATE POLICY exai_files_update_own ON storage.objects FOR UPDATE TO authenticated
    USING (bucket_id = 'exai-files' AND (storage.foldername(name))[1] = (SELECT auth.uid()::text) AND name ~ '^[0-9a-f-]{36}/[0-9a-f]{64}$')
    WITH CHECK (bucket_id = 'exai-files' AND (storage.foldername(name))[1] = (SELECT auth.uid()::text) AND name ~ '^[0-9a-f-]{36}/[0-9a-f]{64}$');
  CREATE POLICY exai_files_delete_own ON storage.objects FOR DELETE TO authenticated
    USING (bucket_id = 'exai-files' AND (storage.foldername(name))[1] = (SELECT auth.uid()::text) AND name ~ '^[0-9a-f-]{36}/[0-9a-f]{64}$');

  -- Policies of one command are OR-ed: a careless policy another app adds to storage.objects
  -- (say "authenticated may read every object") would open exai-files too. This RESTRICTIVE
  -- policy is AND-ed with all of them, so in this bucket nothing but the owner's own keys is
  -- ever reachable, whatever else the project allows. (service_role bypasses RLS, for gc.)
  CREATE POLICY exai_files_never_others ON storage.objects AS RESTRICTIVE FOR ALL TO public
    USING (bucket_id IS DISTINCT FROM 'exai-files' OR ((storage.foldername(name))[1] = (SELECT auth.uid()::text) AND name ~ '^[0-9a-f-]{36}/[0-9a-f]{64}$'))
    WITH CHECK (bucket_id IS DISTINCT FROM 'exai-files' OR ((storage.foldername(name))[1] = (SELECT auth.uid()::text) AND name ~ '^[0-9a-f-]{36}/[0-9a-f]{64}$'));
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'exai: could not create the policies on storage.objects (%): the exai-files bucket stays closed to users until they exist', SQLERRM
    USING HINT = 'run supabase/migrations/20261130130400_exai_storage.sql as the owner of storage.objects (Dashboard SQL editor)';
END
$policies$;
