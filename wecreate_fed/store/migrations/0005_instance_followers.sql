-- The instance actor gets followers and following collections: other instances follow it to
-- receive every new idea and event of this one.
UPDATE actors SET followers_url = ap_id || '/followers', following_url = ap_id || '/following'
WHERE type = 'Application' AND is_local = 1 AND followers_url IS NULL;
